import type { Database_, Tx } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { enqueueMessage } from '../../mail/outbox-repository';
import { newId, newToken, sha256 } from '../../lib/ids';
import { findOrganisation, findOrganisationByContact, insertOrganisation, updateOrganisation, type Organisation } from './organisations-repository';

export interface OrganisationInput {
  kind: 'company' | 'municipality';
  name: string;
  siret: string;
  vatNumber: string | null;
  billingAddress: string;
  postalCode: string;
  city: string;
  contactName: string;
  contactEmail: string;
}

/**
 * The organisation behind an order, found by (SIRET, contact email) or created. Its details
 * follow the latest order. A fresh page secret is made each time: the link goes out in the
 * order's email (older links stop working, which limits what a forwarded email exposes).
 */
export function upsertOrganisationTx(tx: Tx, input: OrganisationInput, now: Date): { organisation: Organisation; pageToken: string } {
  const pageToken = newToken();
  const existing = findOrganisationByContact(tx, input.siret, input.contactEmail);
  if (existing) {
    const patch = { ...input, accessTokenHash: sha256(pageToken) };
    updateOrganisation(tx, existing.id, patch);
    return { organisation: { ...existing, ...patch }, pageToken };
  }
  const organisation: Organisation = { id: newId(), ...input, accessTokenHash: sha256(pageToken), createdAt: now.toISOString() };
  insertOrganisation(tx, organisation);
  return { organisation, pageToken };
}

/** The organisation for the bearer of its page link; compared by hash. Unknown and wrong look the same. */
export function organisationForToken(database: Database_, id: string, token: string | undefined): Organisation {
  const org = findOrganisation(database.db, id);
  if (!org || !token || sha256(token) !== org.accessTokenHash) throw new AppError('ORGANISATION_NOT_FOUND', 404, 'errors.organisation_not_found');
  return org;
}

/**
 * A new page link for the contact (the "send me my link" form): the old one stops working.
 * The new secret and its mail are one transaction, so a link is never renewed unsent.
 */
export function sendNewPageLink(deps: { database: Database_; clock: Clock }, org: Pick<Organisation, 'id' | 'contactEmail'>, locale: string): void {
  const pageToken = newToken();
  deps.database.transaction((tx) => {
    updateOrganisation(tx, org.id, { accessTokenHash: sha256(pageToken) });
    enqueueMessage(tx, { kind: 'org_page_link', recipient: org.contactEmail, payload: { organisationId: org.id, pageToken, locale } }, deps.clock.now());
  });
}

export const organisationPageUrl = (baseUrl: string, org: Pick<Organisation, 'id'>, token: string) => `${baseUrl}/organisation/${org.id}?token=${token}`;
