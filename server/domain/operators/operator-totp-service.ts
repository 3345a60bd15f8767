import { AppError } from '../../lib/errors';
import { findOperatorById, updateOperator, type OperatorUser } from './operator-users-repository';
import type { OperatorsDeps } from './operator-users-service';
import { base32Decode, matchTotp } from './totp';

/**
 * The optional second factor of operator staff. A code is accepted once: the last step
 * used per user is remembered (in this process — a second process could accept the same
 * code once more within its 90-second window; a column would close that gap).
 */
const lastStep = new Map<string, number>();

/** Throws unless `code` is a fresh valid code of the user's secret. */
export function checkSecondFactor(user: OperatorUser, code: string | undefined, now: Date): void {
  if (!user.totpSecret) return;
  if (!code?.trim()) throw new AppError('TOTP_REQUIRED', 401, 'operator.errors.totp_required', { code: 'operator.errors.totp_required' });
  const step = matchTotp(user.totpSecret, code, now);
  if (step === null || step <= (lastStep.get(user.id) ?? -1)) throw new AppError('INVALID_TOTP', 401, 'operator.errors.totp_invalid', { code: 'operator.errors.totp_invalid' });
  lastStep.set(user.id, step);
}

/**
 * Turns the second factor on with a secret the user's app now holds: the code typed
 * proves the app computes the same codes before sign-in starts asking for them.
 */
export function enableTotp(deps: OperatorsDeps, user: OperatorUser, secret: string, code: string): void {
  if (user.totpSecret) throw new AppError('TOTP_ALREADY_ENABLED', 409, 'operator.errors.totp_already');
  const key = base32Decode(secret);
  if (!key || key.length < 16) throw new AppError('VALIDATION_FAILED', 422, 'operator.errors.totp_invalid', { code: 'operator.errors.totp_invalid' });
  const step = matchTotp(secret, code, deps.clock.now());
  if (step === null) throw new AppError('INVALID_TOTP', 422, 'operator.errors.totp_invalid', { code: 'operator.errors.totp_invalid' });
  lastStep.set(user.id, step);
  deps.database.transaction((tx) => updateOperator(tx, user.id, { totpSecret: secret.replace(/\s/g, '').toUpperCase() }));
}

/** Turns it off; a current code is asked, so a session left open is not enough. */
export function disableTotp(deps: OperatorsDeps, user: OperatorUser, code: string): void {
  const fresh = findOperatorById(deps.database.db, user.id)!;
  if (!fresh.totpSecret) return;
  try {
    checkSecondFactor(fresh, code, deps.clock.now());
  } catch (err) {
    throw err instanceof AppError ? new AppError(err.code, 422, err.messageKey, err.fields) : err;
  }
  deps.database.transaction((tx) => updateOperator(tx, user.id, { totpSecret: null }));
}
