import type { Step } from '../../../db/unit-of-work';
import type { TotpStore } from './totp-store';
import { AppError } from '../../lib/errors';
import type { OperatorUser } from './operator-users-repository';
import { operatorUnits, type OperatorsDeps } from './operator-users-service';
import { base32Decode, matchTotp } from './totp';

/**
 * The optional second factor of operator staff. A code is accepted once: the last step
 * used per user is kept in the database (`operator_users.totp_last_step`) and spent by a
 * conditional UPDATE inside the caller's transaction, so the same code cannot open two
 * sessions, even on two servers at the same moment.
 */
export function* secondFactorSteps(store: TotpStore, user: Pick<OperatorUser, 'id' | 'totpSecret'>, code: string | undefined, now: Date): Step<void> {
  if (!user.totpSecret) return;
  if (!code?.trim()) throw new AppError('TOTP_REQUIRED', 401, 'operator.errors.totp_required', { code: 'operator.errors.totp_required' });
  const step = matchTotp(user.totpSecret, code, now);
  if (step === null || !(yield* store.spendStep(user.id, step))) throw new AppError('INVALID_TOTP', 401, 'operator.errors.totp_invalid', { code: 'operator.errors.totp_invalid' });
}

/**
 * Turns the second factor on with a secret the user's app now holds: the code typed
 * proves the app computes the same codes before sign-in starts asking for them.
 */
export async function enableTotp(deps: OperatorsDeps, user: OperatorUser, secret: string, code: string): Promise<void> {
  if (user.totpSecret) throw new AppError('TOTP_ALREADY_ENABLED', 409, 'operator.errors.totp_already');
  const key = base32Decode(secret);
  if (!key || key.length < 16) throw new AppError('VALIDATION_FAILED', 422, 'operator.errors.totp_invalid', { code: 'operator.errors.totp_invalid' });
  const step = matchTotp(secret, code, deps.clock.now());
  if (step === null) throw new AppError('INVALID_TOTP', 422, 'operator.errors.totp_invalid', { code: 'operator.errors.totp_invalid' });
  const kept = secret.replace(/\s/g, '').toUpperCase();
  const done = await operatorUnits(deps)((store) => store.enableTotp(user.id, kept, step));
  // Turned on meanwhile from another session (or server): the secret in use stays.
  if (!done) throw new AppError('TOTP_ALREADY_ENABLED', 409, 'operator.errors.totp_already');
}

/** Turns it off; a current code is asked, so a session left open is not enough. */
export async function disableTotp(deps: OperatorsDeps, user: OperatorUser, code: string): Promise<void> {
  const now = deps.clock.now();
  try {
    await operatorUnits(deps)(function* (store) {
      const fresh = (yield* store.byId(user.id))!;
      if (!fresh.totpSecret) return;
      yield* secondFactorSteps(store, fresh, code, now);
      yield* store.disableTotp(user.id);
    });
  } catch (err) {
    throw err instanceof AppError ? new AppError(err.code, 422, err.messageKey, err.fields) : err;
  }
}
