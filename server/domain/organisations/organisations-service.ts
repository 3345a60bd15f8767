import type { Units } from '../../../db/store-units';
import type { Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { newToken, sha256 } from '../../lib/ids';
import type { OrganisationStore } from './organisation-store';
import type { Organisation } from './organisations-repository';

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
 * Whom a page token opens: the organisation's page link (`current`), the link sent by the
 * "send me my link" form and not opened yet (`waiting`), or nothing. Compared by hash;
 * unknown and wrong look the same.
 */
export function pageTokenFits(org: Organisation | undefined, token: string | undefined): 'current' | 'waiting' | null {
  const hash = token ? sha256(token) : null;
  if (!org || !hash) return null;
  if (hash === org.accessTokenHash) return 'current';
  return hash === org.nextAccessTokenHash ? 'waiting' : null;
}

/**
 * The organisation for the bearer of its page link. The first use of a link sent by the
 * "send me my link" form makes it THE link (the previous one stops working then, not when
 * someone asked for a new one). Read first (one look-up, as every page view is); the takeover
 * is a conditional write, so two first uses at once both get in.
 */
export async function organisationForToken(units: { lookups: Units<OrganisationStore>; writes: Units<OrganisationStore> }, id: string, token: string | undefined): Promise<Organisation> {
  const org = await units.lookups((s) => s.organisation(id));
  const fits = pageTokenFits(org, token);
  if (fits === 'current') return org!;
  if (fits !== 'waiting') throw notFound();
  const hash = sha256(token!);
  return units.writes(function* (s) {
    if (!(yield* s.takeNextLink(id, hash))) {
      // Another request opened the same link a moment ago: it is the page link now, or gone.
      const now = yield* s.organisation(id);
      if (pageTokenFits(now, token) !== 'current') throw notFound();
      return now!;
    }
    return { ...org!, accessTokenHash: hash, nextAccessTokenHash: null };
  });
}

const notFound = () => new AppError('ORGANISATION_NOT_FOUND', 404, 'errors.organisation_not_found');

/**
 * A new page link for the contact (the "send me my link" form). The form is anonymous and a
 * SIRET is public, so asking must not revoke the link in use: the new secret waits beside it
 * (replacing any earlier one not yet opened) and takes over when the contact opens it. The
 * new secret and its mail are one unit of work, so a link is never renewed unsent.
 */
export function* sendNewPageLinkSteps(store: OrganisationStore, org: Pick<Organisation, 'id' | 'contactEmail'>, locale: string, now: Date): Step<void> {
  const pageToken = newToken();
  yield* store.setNextLink(org.id, sha256(pageToken));
  yield* store.enqueue({ kind: 'org_page_link', recipient: org.contactEmail, payload: { organisationId: org.id, pageToken, locale } }, now);
}

export const organisationPageUrl = (baseUrl: string, org: Pick<Organisation, 'id'>, token: string) => `${baseUrl}/organisation/${org.id}?token=${token}`;
