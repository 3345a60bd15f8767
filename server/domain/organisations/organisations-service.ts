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

/** How an order joins its organisation: created by it (on its page at once) or found (awaits the contact's confirmation). */
export type OrganisationForOrder =
  | { organisation: Organisation; created: true; pageToken: string }
  | { organisation: Organisation; created: false; confirmToken: string };

/**
 * The organisation behind an order, found by (SIRET, contact email) or created. A SIRET is
 * public and an email is no proof of holding it, so an order that finds an existing
 * organisation changes nothing of it: not its details (the order keeps its own copy of what
 * was typed), not its page link. It gets a confirmation secret instead, mailed to the
 * contact; only the contact's confirmation puts the order on the page (and takes its
 * details, see `confirmOrganisationOrderTx`). A new organisation gets its page secret, sent
 * in the order's mail.
 */
export function organisationForOrderTx(tx: Tx, input: OrganisationInput, now: Date): OrganisationForOrder {
  const existing = findOrganisationByContact(tx, input.siret, input.contactEmail);
  if (existing) return { organisation: existing, created: false, confirmToken: newToken() };
  const pageToken = newToken();
  const organisation: Organisation = { id: newId(), ...input, accessTokenHash: sha256(pageToken), nextAccessTokenHash: null, createdAt: now.toISOString() };
  insertOrganisation(tx, organisation);
  return { organisation, created: true, pageToken };
}

/**
 * The organisation for the bearer of its page link; compared by hash. Unknown and wrong look
 * the same. The first use of a link sent by the "send me my link" form makes it THE link (the
 * previous one stops working then, not when someone asked for a new one).
 */
export function organisationForToken(database: Database_, id: string, token: string | undefined): Organisation {
  const org = findOrganisation(database.db, id);
  const hash = token ? sha256(token) : null;
  if (org && hash && hash === org.accessTokenHash) return org;
  if (!org || !hash || hash !== org.nextAccessTokenHash) throw new AppError('ORGANISATION_NOT_FOUND', 404, 'errors.organisation_not_found');
  database.transaction((tx) => updateOrganisation(tx, org.id, { accessTokenHash: hash, nextAccessTokenHash: null }));
  return { ...org, accessTokenHash: hash, nextAccessTokenHash: null };
}

/**
 * A new page link for the contact (the "send me my link" form). The form is anonymous and a
 * SIRET is public, so asking must not revoke the link in use: the new secret waits beside it
 * (replacing any earlier one not yet opened) and takes over when the contact opens it. The
 * new secret and its mail are one transaction, so a link is never renewed unsent.
 */
export function sendNewPageLink(deps: { database: Database_; clock: Clock }, org: Pick<Organisation, 'id' | 'contactEmail'>, locale: string): void {
  const pageToken = newToken();
  deps.database.transaction((tx) => {
    updateOrganisation(tx, org.id, { nextAccessTokenHash: sha256(pageToken) });
    enqueueMessage(tx, { kind: 'org_page_link', recipient: org.contactEmail, payload: { organisationId: org.id, pageToken, locale } }, deps.clock.now());
  });
}

export const organisationPageUrl = (baseUrl: string, org: Pick<Organisation, 'id'>, token: string) => `${baseUrl}/organisation/${org.id}?token=${token}`;
