import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { orders, organisations } from '../../../db/schema/index';

export type Organisation = typeof organisations.$inferSelect;

export function findOrganisation(tx: Tx, id: string): Organisation | undefined {
  return tx.select().from(organisations).where(eq(organisations.id, id)).get();
}

export function findOrganisationByContact(tx: Tx, siret: string, contactEmail: string): Organisation | undefined {
  return tx.select().from(organisations).where(and(eq(organisations.siret, siret), eq(organisations.contactEmail, contactEmail))).get();
}

export function insertOrganisation(tx: Tx, org: Organisation): void {
  tx.insert(organisations).values(org).run();
}

export function updateOrganisation(tx: Tx, id: string, patch: Partial<Organisation>): void {
  tx.update(organisations).set(patch).where(eq(organisations.id, id)).run();
}

/** The orders on the organisation's page: those it placed or confirmed (an order awaiting its contact's confirmation is not there). */
export function listOrganisationOrders(tx: Tx, organisationId: string) {
  return tx.select().from(orders).where(and(eq(orders.organisationId, organisationId), isNotNull(orders.organisationConfirmedAt))).orderBy(desc(orders.createdAt)).all();
}
