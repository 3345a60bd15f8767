import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { enqueueMessage } from '../../mail/outbox-repository';
import { newToken, sha256 } from '../../lib/ids';
import { findOrganisation, updateOrganisation, type Organisation } from './organisations-repository';

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

/** How an order finds or creates its organisation: see order-creation.ts organisationForOrderSteps. */

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
