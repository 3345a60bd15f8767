import { AppError } from '../../server/lib/errors';

/**
 * What an action came to: 'ok', or the stable code of the AppError it refused with. Takes the
 * action itself when it may throw at once (SQLite's synchronous services) as well as a promise
 * (PostgreSQL's), so one assertion reads the same on both backends. Other errors are thrown.
 */
export async function codeOf(action: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
    return 'ok';
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}
