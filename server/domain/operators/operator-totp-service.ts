import type { Tx } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import { sqliteTotpStore, type TotpStore } from './totp-store';
import { AppError } from '../../lib/errors';
import { findOperatorById, setTotpSecret, updateOperator, type OperatorUser } from './operator-users-repository';
import type { OperatorsDeps } from './operator-users-service';
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

/** The same rule in the caller's SQLite transaction (the session it opens is written there too). */
export function checkSecondFactor(tx: Tx, user: OperatorUser, code: string | undefined, now: Date): void {
  runSync(secondFactorSteps(sqliteTotpStore(tx), user, code, now));
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
  const done = deps.database.transaction((tx) => setTotpSecret(tx, user.id, secret.replace(/\s/g, '').toUpperCase(), step));
  // Turned on meanwhile from another session (or server): the secret in use stays.
  if (!done) throw new AppError('TOTP_ALREADY_ENABLED', 409, 'operator.errors.totp_already');
}

/** Turns it off; a current code is asked, so a session left open is not enough. */
export function disableTotp(deps: OperatorsDeps, user: OperatorUser, code: string): void {
  try {
    deps.database.transaction((tx) => {
      const fresh = findOperatorById(tx, user.id)!;
      if (!fresh.totpSecret) return;
      checkSecondFactor(tx, fresh, code, deps.clock.now());
      updateOperator(tx, user.id, { totpSecret: null });
    });
  } catch (err) {
    throw err instanceof AppError ? new AppError(err.code, 422, err.messageKey, err.fields) : err;
  }
}
