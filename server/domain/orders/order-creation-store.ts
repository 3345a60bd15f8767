/**
 * What creating an order (order-creation.ts) asks of the database, as steps
 * (db/unit-of-work.ts), so one source runs on both backends: order-creation-store-sqlite.ts
 * (today's repositories inside BEGIN IMMEDIATE) and order-creation-store-pg.ts (prepared
 * statements, READ COMMITTED, the campaign's row locked when a bonus is decided on it).
 */
import type { Step } from '../../../db/unit-of-work';
import type { Campaign } from '../campaigns/campaign';
import type { Organisation } from '../organisations/organisations-repository';
import type { Order, OrderItem } from './orders-repository';
import type { OutboxEntry } from './payment-store';

export interface OrderCreationStore {
  /** The campaign by slug (drafts included: the caller refuses them). */
  campaignBySlug(slug: string): Step<Campaign | undefined>;
  /**
   * The campaign again, its row locked until the unit ends (SQLite: the write lock already
   * holds; PostgreSQL: FOR UPDATE): a sponsor bonus is decided on its budget and on the
   * buyer's earlier orders, which two concurrent orders must not both read before either writes.
   */
  campaignForBonus(id: string): Step<Campaign | undefined>;
  /** A `settings` row's value (the employer gift ceiling of a year). */
  setting(key: string): Step<string | undefined>;
  organisationByContact(siret: string, contactEmail: string): Step<Organisation | undefined>;
  insertOrganisation(org: Organisation): Step<void>;
  /** Bonus the buyer already holds on the campaign (non-cancelled orders), by normalised email. */
  buyerBonusCents(campaignId: string, email: string): Step<number>;
  insertOrder(order: Order, items: OrderItem[]): Step<void>;
  /** The sponsor bonus's reservation on the campaign row (see bonus-repository.ts). */
  reserveBonus(campaignId: string, cents: number): Step<void>;
  enqueue(list: readonly OutboxEntry[], now: Date): Step<void>;
  updateOrder(id: string, patch: Partial<Order>): Step<void>;
}
