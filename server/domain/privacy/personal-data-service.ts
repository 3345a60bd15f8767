import type { Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { sha256 } from '../../lib/ids';
import type { BuyerOrderRow, KeptInvoiceRow, MessageRow, OrganisationContactRow, RecipientItemRow, RecipientVoucherRow } from './personal-data-repository';
import { personalDataReads, personalDataUnits, type PersonalDataBackend, type PersonalDataStore } from './personal-data-store';

/**
 * A data subject's request (GDPR art. 15 and 17) answered by the operator: everything we hold
 * under one email address, exported, or erased. Erasure pseudonymises in place — names and
 * emails replaced, amounts, statuses, codes and links untouched — so the books, check-ledger
 * and every report stay exactly as they were; invoices are kept as issued (legal retention,
 * art. 17(3)(b)). Both are written to the audit log under a digest of the address, never
 * the address itself (the log must not bring back what was erased).
 */
export interface PersonalDataDeps extends PersonalDataBackend {
  clock: Clock;
}

export interface PersonalData {
  email: string;
  orders: BuyerOrderRow[];
  recipientLines: RecipientItemRow[];
  recipientVouchers: RecipientVoucherRow[];
  organisations: OrganisationContactRow[];
  messages: MessageRow[];
  /** Kept whatever is erased: issued invoices and credit notes (10 years, Code de commerce L123-22). */
  keptInvoices: KeptInvoiceRow[];
}

export interface ErasureSummary {
  subject: string;
  orders: number;
  recipientLines: number;
  recipientVouchers: number;
  organisations: number;
  messages: number;
  redactedEntries: number;
  keptInvoices: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** Shorter names are not searched for in free text: « Li » would blank every « Livre ». */
export const MIN_REDACTED_NAME = 3;

export function normaliseSubjectEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 320) throw new AppError('PERSONAL_DATA_EMAIL', 400, 'privacy.errors.email', { email: 'privacy.errors.email' });
  return email;
}

/** How the audit log names a data subject: a digest of the address, enough to find the entry again from a new request. */
export const subjectRef = (email: string) => `sha256:${sha256(email.trim().toLowerCase()).slice(0, 16)}`;

export function* findPersonalDataSteps(store: PersonalDataStore, email: string): Step<PersonalData> {
  const orders = yield* store.buyerOrders(email);
  return {
    email,
    orders,
    recipientLines: yield* store.recipientItems(email),
    recipientVouchers: yield* store.recipientVouchers(email),
    organisations: yield* store.organisationContacts(email),
    messages: yield* store.messagesTo(email),
    keptInvoices: yield* store.invoicesOf(orders.map((o) => o.id)),
  };
}

/** What is held under an address (already normalised), for the operator's page: no audit entry (nothing leaves the back-office). */
export function findPersonalData(on: PersonalDataBackend, email: string): PersonalData | Promise<PersonalData> {
  return personalDataReads(on)((store) => findPersonalDataSteps(store, email));
}

export const isEmpty = (d: PersonalData) => d.orders.length + d.recipientLines.length + d.recipientVouchers.length + d.organisations.length + d.messages.length === 0;

/** The export handed to the person (JSON), its making logged. */
export function exportPersonalData(deps: PersonalDataDeps, rawEmail: string, actor: string, reason: string | null): Exported | Promise<Exported> {
  const email = normaliseSubjectEmail(rawEmail);
  return personalDataUnits(deps)(function* (store): Step<Exported> {
    const now = deps.clock.now();
    const data = yield* findPersonalDataSteps(store, email);
    yield* store.audit({ actor, action: 'personal_data_export', entityType: 'person', entityId: subjectRef(email), after: counts(data), reason }, now);
    return { generatedAt: now.toISOString(), ...data };
  });
}

export type Exported = PersonalData & { generatedAt: string };

const counts = (d: PersonalData) => ({
  orders: d.orders.length,
  recipientLines: d.recipientLines.length,
  recipientVouchers: d.recipientVouchers.length,
  organisations: d.organisations.length,
  messages: d.messages.length,
  keptInvoices: d.keptInvoices.map((i) => i.number),
});

/** Names worth searching for in free text: the ones this person was known by. */
export function redactableNames(names: Iterable<string | null>): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const t = n?.trim();
    if (t && t.length >= MIN_REDACTED_NAME && !t.startsWith('[')) out.add(t);
  }
  return [...out].sort((a, b) => b.length - a.length); // longest first: « Marie Dupont » before « Marie »
}

/**
 * Erases one person, in one unit of work (all or nothing, on either backend): their orders' buyer identity pseudonymised, their
 * name, address and message as a recipient removed, their contact role in organisations
 * pseudonymised, mail to them given up and readdressed, and their name and address redacted
 * from the audit log and the outbox. Refused when nothing is held under the address (so a
 * typo is seen, not logged as an erasure).
 */
export function erasePersonalData(deps: PersonalDataDeps, rawEmail: string, actor: string, reason: string | null): ErasureSummary | Promise<ErasureSummary> {
  const email = normaliseSubjectEmail(rawEmail);
  return personalDataUnits(deps)((store) => erasePersonalDataSteps(store, deps.clock, email, actor, reason));
}

export function* erasePersonalDataSteps(store: PersonalDataStore, clock: Clock, email: string, actor: string, reason: string | null): Step<ErasureSummary> {
  const now = clock.now();
  const d = yield* findPersonalDataSteps(store, email);
  if (isEmpty(d)) throw new AppError('PERSONAL_DATA_NOT_FOUND', 404, 'privacy.errors.not_found');
  const names = redactableNames([...d.orders.map((o) => o.buyerName), ...d.recipientLines.map((i) => i.recipientName), ...d.recipientVouchers.map((v) => v.recipientName), ...d.organisations.map((o) => o.contactName)]);
  const orderIds = [...new Set([...d.orders.map((o) => o.id), ...d.recipientLines.map((i) => i.orderId), ...d.recipientVouchers.map((v) => v.orderId)])];
  const entityIds = [...orderIds, ...(yield* store.voucherIdsOfOrders(orderIds)), ...d.recipientLines.map((i) => i.id), ...d.organisations.map((o) => o.id)];
  const summary: ErasureSummary = {
    subject: subjectRef(email),
    orders: d.orders.length,
    recipientLines: d.recipientLines.length,
    recipientVouchers: d.recipientVouchers.length,
    organisations: d.organisations.length,
    messages: d.messages.length,
    redactedEntries: 0,
    keptInvoices: d.keptInvoices.map((i) => i.number),
  };
  // Logged first, so the operator's reason is redacted with the rest if it names the person.
  yield* store.audit({ actor, action: 'personal_data_erase', entityType: 'person', entityId: summary.subject, after: { ...summary, redactedEntries: undefined }, reason }, now);
  yield* store.pseudonymiseBuyers(d.orders.map((o) => o.id), now);
  yield* store.clearRecipientsOfItems(d.recipientLines.map((i) => i.id));
  yield* store.clearRecipientVouchers(d.recipientVouchers.map((v) => v.id));
  yield* store.forgetGifts({ email, orderIds: d.orders.map((o) => o.id) });
  yield* store.pseudonymiseOrganisationContacts(d.organisations.map((o) => o.id));
  yield* store.forgetMessagesTo(email, now);
  // The person's own entries (this erasure, earlier exports) are in scope too.
  summary.redactedEntries = yield* store.redactTexts({ everywhere: [email], scoped: names }, [...entityIds, summary.subject]);
  return summary;
}
