import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { enqueueMessage } from '../../mail/outbox-repository';
import { sqliteSessionStore, type SessionStore } from '../sessions/sessions-store';
import {
  findMerchantById,
  findMerchantBySlug,
  findPasswordToken,
  findUserByEmail,
  findUserById,
  insertPasswordToken,
  insertUser,
  listShopUsers,
  spendPasswordTokens,
  updateUser,
  type Merchant,
  type MerchantUser,
} from './merchant-users-repository';
import type { passwordTokens } from '../../../db/schema/index';

export type PasswordToken = typeof passwordTokens.$inferSelect;

/**
 * What shop accounts need from the database — sign-in, sign-out, password links, the team —
 * as Steps, so merchant-users-service.ts writes each rule once for both backends. SQLite here
 * (the repository's statements, unchanged), PostgreSQL in shop-accounts-store-pg.ts.
 */
export interface ShopAccountStore {
  sessions: SessionStore;
  userByEmail(email: string): Step<MerchantUser | undefined>;
  userById(id: string): Step<MerchantUser | undefined>;
  merchantById(id: string): Step<Merchant | undefined>;
  /** The shop named on the command line (`cli create-merchant-user`, `create-api-key`, `api-keys`). */
  merchantBySlug(slug: string): Step<Merchant | undefined>;
  insertUser(u: MerchantUser): Step<void>;
  setPasswordHash(userId: string, hash: string): Step<void>;
  markRemoved(userId: string, at: string): Step<void>;
  /** The shop's active users, owners first then by name. */
  team(merchantId: string): Step<MerchantUser[]>;
  passwordToken(tokenHash: string): Step<PasswordToken | undefined>;
  insertPasswordToken(t: Omit<PasswordToken, 'usedAt'>): Step<void>;
  spendPasswordTokens(userId: string, at: string): Step<void>;
  /** An outbox row, in this unit of work (the message exists if and only if the change does). */
  enqueue(msg: { kind: string; recipient: string; payload: object }, now: Date): Step<void>;
}

export function sqliteShopAccountStore(tx: Tx): ShopAccountStore {
  return {
    sessions: sqliteSessionStore(tx),
    userByEmail: (email) => done(findUserByEmail(tx, email)),
    userById: (id) => done(findUserById(tx, id)),
    merchantById: (id) => done(findMerchantById(tx, id)),
    merchantBySlug: (slug) => done(findMerchantBySlug(tx, slug)),
    insertUser: (u) => done(insertUser(tx, u)),
    setPasswordHash: (userId, hash) => done(updateUser(tx, userId, { passwordHash: hash })),
    markRemoved: (userId, at) => done(updateUser(tx, userId, { removedAt: at })),
    team: (merchantId) => done(listShopUsers(tx, merchantId)),
    passwordToken: (hash) => done(findPasswordToken(tx, hash)),
    insertPasswordToken: (t) => done(insertPasswordToken(tx, t)),
    spendPasswordTokens: (userId, at) => done(spendPasswordTokens(tx, userId, at)),
    enqueue: (msg, now) => done(void enqueueMessage(tx, msg, now)),
  };
}
