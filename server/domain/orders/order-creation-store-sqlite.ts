/**
 * Order creation's store on SQLite (see order-creation-store.ts): today's repositories, each
 * step resolved at once inside the caller's BEGIN IMMEDIATE transaction — the file's write
 * lock serialises every writer, so the campaign's "locked" re-read is a plain read here.
 */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { settings } from '../../../db/schema/index';
import { done } from '../../../db/unit-of-work';
import { enqueueMessages } from '../../mail/outbox-repository';
import { buyerBonusCents, reserveBonus } from '../campaigns/bonus-repository';
import { findCampaignById, findCampaignBySlug } from '../campaigns/campaigns-repository';
import { findOrganisationByContact, insertOrganisation } from '../organisations/organisations-repository';
import type { OrderCreationStore } from './order-creation-store';
import { insertOrder, updateOrder } from './orders-repository';

export function sqliteOrderCreationStore(tx: Tx): OrderCreationStore {
  return {
    campaignBySlug: (slug) => done(findCampaignBySlug(tx, slug)),
    campaignForBonus: (id) => done(findCampaignById(tx, id)),
    setting: (key) => done(tx.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()?.value),
    organisationByContact: (siret, email) => done(findOrganisationByContact(tx, siret, email)),
    insertOrganisation: (org) => done(insertOrganisation(tx, org)),
    buyerBonusCents: (campaignId, email) => done(buyerBonusCents(tx, campaignId, email)),
    insertOrder: (order, items) => done(insertOrder(tx, order, items)),
    reserveBonus: (campaignId, cents) => done(void reserveBonus(tx, campaignId, cents)),
    enqueue: (list, now) => done(enqueueMessages(tx, list, now)),
    updateOrder: (id, patch) => done(updateOrder(tx, id, patch)),
  };
}
