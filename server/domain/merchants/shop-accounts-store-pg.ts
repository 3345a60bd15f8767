import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { pgSelectList } from '../../../db/pg-select-list';
import { merchants, merchantUsers, passwordTokens } from '../../../db/schema/index';
import { awaited } from '../../../db/unit-of-work';
import { newId } from '../../lib/ids';
import { pgSessionStore } from '../sessions/sessions-store-pg';
import type { Merchant, MerchantUser } from './merchant-users-repository';
import type { PasswordToken, ShopAccountStore } from './shop-accounts-store';

const USER = pgSelectList(merchantUsers);
const MERCHANT = pgSelectList(merchants);
const TOKEN = pgSelectList(passwordTokens);

/** Shop accounts on PostgreSQL: the statements of merchant-users-repository.ts, prepared once per connection. */
export function pgShopAccountStore(client: pg.ClientBase): ShopAccountStore {
  const q = preparedOn(client);
  const first = <R>(name: string, text: string, values: unknown[]) => awaited(async () => (await q<R>(name, text, values)).rows[0]);
  const run = (name: string, text: string, values: unknown[]) => awaited(async () => void (await q(name, text, values)));
  return {
    sessions: pgSessionStore(client),
    userByEmail: (email) => first<MerchantUser>('shop_user_by_email', `SELECT ${USER} FROM merchant_users WHERE email = $1`, [email.toLowerCase()]),
    userById: (id) => first<MerchantUser>('shop_user_by_id', `SELECT ${USER} FROM merchant_users WHERE id = $1`, [id]),
    merchantById: (id) => first<Merchant>('shop_by_id', `SELECT ${MERCHANT} FROM merchants WHERE id = $1`, [id]),
    merchantBySlug: (slug) => first<Merchant>('shop_by_slug', `SELECT ${MERCHANT} FROM merchants WHERE slug = $1`, [slug]),
    insertUser: (u) =>
      run('shop_user_insert', `INSERT INTO merchant_users (id, merchant_id, email, name, role, password_hash, created_at, removed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        u.id, u.merchantId, u.email, u.name, u.role, u.passwordHash, u.createdAt, u.removedAt,
      ]),
    setPasswordHash: (userId, hash) => run('shop_user_password', `UPDATE merchant_users SET password_hash = $2 WHERE id = $1`, [userId, hash]),
    markRemoved: (userId, at) => run('shop_user_removed', `UPDATE merchant_users SET removed_at = $2 WHERE id = $1`, [userId, at]),
    // Collation: roles and names compared bytewise, as SQLite's ORDER BY does.
    team: (merchantId) =>
      awaited(async () => (await q<MerchantUser>('shop_team', `SELECT ${USER} FROM merchant_users WHERE merchant_id = $1 AND removed_at IS NULL ORDER BY role COLLATE "C", name COLLATE "C"`, [merchantId])).rows),
    passwordToken: (hash) => first<PasswordToken>('password_token', `SELECT ${TOKEN} FROM password_tokens WHERE token_hash = $1`, [hash]),
    insertPasswordToken: (t) =>
      run('password_token_insert', `INSERT INTO password_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)`, [t.tokenHash, t.userId, t.purpose, t.expiresAt]),
    spendPasswordTokens: (userId, at) => run('password_tokens_spend', `UPDATE password_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, [userId, at]),
    enqueue: (msg, now) =>
      run(
        'outbox_enqueue',
        `INSERT INTO outbox_messages (id, kind, recipient, payload, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5)`,
        [newId(), msg.kind, msg.recipient, JSON.stringify(msg.payload), now.toISOString()],
      ),
  };
}
