import type pg from 'pg';
import type { Database_, Tx } from '../../../db/client';
import { pgUnitOfWork, type PgUnit } from '../../../db/pg-write-behind';
import type { PgDatabase } from '../../../db/postgres-pool';
import { sqliteDirect, sqliteUnits, type Units } from '../../../db/store-units';
import { done, runAsync, type Step } from '../../../db/unit-of-work';
import { audit, type AuditInput } from '../audit/audit-log';
import * as repo from './personal-data-repository';
import type { BuyerOrderRow, KeptInvoiceRow, MessageRow, OrganisationContactRow, RecipientItemRow, RecipientVoucherRow } from './personal-data-repository';
import { pgPersonalDataStore } from './personal-data-store-pg';
import * as retention from './retention-repository';
import type { CampaignRetention, RetentionCandidate } from './retention-repository';

/**
 * What a data subject's request (personal-data-service.ts) and a campaign's retention
 * (retention-service.ts) read and write, on either backend. SQLite: the repository
 * functions (personal-data-repository.ts, retention-repository.ts); PostgreSQL:
 * personal-data-store-pg.ts and retention-store-pg.ts (same statements, same order).
 */
export interface PersonalDataStore {
  buyerOrders(email: string): Step<BuyerOrderRow[]>;
  recipientItems(email: string): Step<RecipientItemRow[]>;
  recipientVouchers(email: string): Step<RecipientVoucherRow[]>;
  organisationContacts(email: string): Step<OrganisationContactRow[]>;
  messagesTo(email: string): Step<MessageRow[]>;
  invoicesOf(orderIds: readonly string[]): Step<KeptInvoiceRow[]>;
  voucherIdsOfOrders(orderIds: readonly string[]): Step<string[]>;
  pseudonymiseBuyers(orderIds: readonly string[], now: Date): Step<number>;
  clearRecipientsOfItems(itemIds: readonly string[]): Step<number>;
  clearRecipientVouchers(voucherIds: readonly string[]): Step<number>;
  forgetGifts(by: { email?: string; orderIds?: readonly string[]; campaignId?: string }): Step<number>;
  pseudonymiseOrganisationContacts(organisationIds: readonly string[]): Step<number>;
  forgetMessagesTo(email: string, now: Date): Step<number>;
  redactTexts(needles: { everywhere: readonly string[]; scoped: readonly string[] }, entityIds: readonly string[]): Step<number>;

  retentionCandidates(): Step<RetentionCandidate[]>;
  campaignRetentions(): Step<CampaignRetention[]>;
  /** The campaign, locked on PostgreSQL (two operators setting it meet each other's outcome). */
  campaignIdBySlug(slug: string): Step<{ id: string; retentionMonths: number } | undefined>;
  setRetentionMonths(campaignId: string, months: number): Step<void>;
  /** True when the campaign is still to erase (locked on PostgreSQL: two runs never erase it twice). */
  campaignStillToErase(campaignId: string): Step<boolean>;
  campaignPeople(campaignId: string): Step<{ orderIds: string[]; itemIds: string[]; organisationIds: string[] }>;
  redactCampaignTexts(campaignId: string): Step<number>;
  forgetCampaignMessages(campaignId: string, now: Date): Step<number>;
  markCampaignErased(campaignId: string, now: Date): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqlitePersonalDataStore(tx: Tx): PersonalDataStore {
  return {
    buyerOrders: (email) => done(repo.buyerOrders(tx, email)),
    recipientItems: (email) => done(repo.recipientItems(tx, email)),
    recipientVouchers: (email) => done(repo.recipientVouchers(tx, email)),
    organisationContacts: (email) => done(repo.organisationContacts(tx, email)),
    messagesTo: (email) => done(repo.messagesTo(tx, email)),
    invoicesOf: (ids) => done(repo.invoicesOf(tx, ids)),
    voucherIdsOfOrders: (ids) => done(repo.voucherIdsOfOrders(tx, ids)),
    pseudonymiseBuyers: (ids, now) => done(repo.pseudonymiseBuyers(tx, ids, now)),
    clearRecipientsOfItems: (ids) => done(repo.clearRecipientsOfItems(tx, ids)),
    clearRecipientVouchers: (ids) => done(repo.clearRecipientVouchers(tx, ids)),
    forgetGifts: (by) => done(repo.forgetGifts(tx, by)),
    pseudonymiseOrganisationContacts: (ids) => done(repo.pseudonymiseOrganisationContacts(tx, ids)),
    forgetMessagesTo: (email, now) => done(repo.forgetMessagesTo(tx, email, now)),
    redactTexts: (needles, ids) => done(repo.redactTexts(tx, needles, ids)),
    retentionCandidates: () => done(retention.retentionCandidates(tx)),
    campaignRetentions: () => done(retention.campaignRetentions(tx)),
    campaignIdBySlug: (slug) => done(retention.campaignIdBySlug(tx, slug)),
    setRetentionMonths: (id, months) => done(retention.setRetentionMonths(tx, id, months)),
    campaignStillToErase: (id) => done(retention.campaignStillToErase(tx, id)),
    campaignPeople: (id) => done(retention.campaignPeople(tx, id)),
    redactCampaignTexts: (id) => done(repo.redactCampaignTexts(tx, id)),
    forgetCampaignMessages: (id, now) => done(repo.forgetCampaignMessages(tx, id, now)),
    markCampaignErased: (id, now) => done(retention.markCampaignErased(tx, id, now)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}

/** The backend a caller runs on: the SQLite file, or the PostgreSQL pool when `pg` is set. */
export interface PersonalDataBackend {
  database: Database_;
  pg?: PgDatabase | null;
}

/** One unit of work (all or nothing): BEGIN IMMEDIATE on SQLite; a pooled transaction on PostgreSQL, the audit entry held to its end. */
export function personalDataUnits(on: PersonalDataBackend): Units<PersonalDataStore> {
  if (on.pg) {
    const pgdb = on.pg;
    return (work) => pgUnitOfWork(pgdb, (unit: PgUnit, _client: pg.ClientBase) => runAsync(work(pgPersonalDataStore(unit))));
  }
  return sqliteUnits(on.database, sqlitePersonalDataStore);
}

/** Pages' reads: SQLite's statements on their own (as before the port), a pooled unit on PostgreSQL. */
export function personalDataReads(on: PersonalDataBackend): Units<PersonalDataStore> {
  return on.pg ? personalDataUnits(on) : sqliteDirect(on.database, sqlitePersonalDataStore);
}
