import { z } from 'zod';
import type { Merchant, MerchantUser } from '../../domain/merchants/merchant-users-repository';
import type { AssignableCampaign } from '../../domain/merchants/merchant-review-store';
import { MERCHANT_STATUSES, type MerchantStatus } from '../../domain/merchants/merchant-review-service';
import type { ShopFormValues } from '../../domain/merchants/onboarding-form';
import { formatIban, maskIban } from '../../lib/identifiers';
import { campaignChoices, shopFieldsView } from '../shop/application-view';
import { formatStamp } from '../../lib/dates';

type T = (key: string, params?: Record<string, string | number>) => string;

export const merchantFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  status: z.enum(MERCHANT_STATUSES).optional().catch(undefined),
});
export type MerchantFilter = z.infer<typeof merchantFilterSchema>;

const reasonSchema = z.string().trim().min(3, { message: 'onboarding.errors.reason' }).max(500, { message: 'errors.too_long' });

/** A refusal or suspension reason: mandatory, mailed to the shop (refusal) or shown to staff. */
export function parseReason(body: unknown): { ok: true; value: string } | { ok: false; value: string; error: string } {
  const raw = typeof (body as { reason?: unknown })?.reason === 'string' ? String((body as { reason: string }).reason).slice(0, 600) : '';
  const r = reasonSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, value: raw, error: r.error.issues[0]!.message };
}

/** Viewers read the list and the shop but not its bank account: the last four characters only. */

export function merchantListView(rows: { slug: string; name: string; city: string; category: string; siret: string | null; status: string; createdAt: string }[], counts: Partial<Record<MerchantStatus, number>>, filter: MerchantFilter, t: T, locale: string) {
  return {
    filter,
    rows: rows.map((m) => ({ ...m, statusLabel: t(`onboarding.status.${m.status}`), created: formatStamp(m.createdAt, locale) })),
    count: rows.length,
    statuses: MERCHANT_STATUSES.map((s) => ({ value: s, label: t(`onboarding.status.${s}`), selected: s === filter.status, count: counts[s] ?? 0 })),
  };
}

/** The stored shop as form values (for the edit form's first rendering). */
export function merchantFormValues(m: Merchant, owner: MerchantUser | undefined): ShopFormValues {
  return {
    name: m.name, siret: m.siret ?? '', category: m.category, address: m.address, postalCode: m.postalCode, city: m.city,
    iban: m.iban ? formatIban(m.iban) : '', bic: m.bic ?? '', accountHolder: m.accountHolder ?? '', contactName: owner?.name ?? '',
    contactEmail: m.contactEmail ?? owner?.email ?? '', phone: m.phone ?? '', openingHours: m.openingHours ?? '', website: m.website ?? '',
  };
}

export interface MerchantForms {
  edit?: { values: ShopFormValues; errors: Record<string, string> };
  reject?: { value: string; error?: string };
  suspend?: { value: string; error?: string };
  alert?: string;
}

/** What the detail page reads besides the shop (merchant-review-store.ts). */
export interface MerchantPageReads {
  owner: MerchantUser | undefined;
  /** Every campaign but drafts, by name. */
  all: AssignableCampaign[];
  /** The ids of the campaigns the shop accepts. */
  accepted: string[];
}

/** Everything the detail page shows; the forms only for roles that may act. */
export function merchantDetailView(reads: MerchantPageReads, m: Merchant, canManage: boolean, t: T, locale: string, forms: MerchantForms = {}, done?: string) {
  const { owner, all, accepted } = reads;
  const status = m.status as MerchantStatus;
  const edit = forms.edit ?? { values: merchantFormValues(m, owner), errors: {} };
  return {
    merchant: {
      ...m,
      statusLabel: t(`onboarding.status.${m.status}`),
      created: formatStamp(m.createdAt, locale),
      iban: m.iban ? (canManage ? formatIban(m.iban) : maskIban(m.iban)) : null,
      approved: status === 'approved',
    },
    owner: owner && { name: owner.name, email: owner.email, hasPassword: !!owner.passwordHash, removed: !!owner.removedAt },
    campaigns: all.filter((c) => accepted.includes(c.id)),
    canManage,
    can: canManage && {
      approve: status === 'pending' || status === 'rejected',
      reject: status === 'pending',
      suspend: status === 'approved',
      reactivate: status === 'suspended',
      reinvite: status === 'approved' && !!owner && !owner.passwordHash && !owner.removedAt,
    },
    editForm: canManage ? shopFieldsView(edit.values, edit.errors, t) : null,
    campaignChoices: canManage ? campaignChoices(all, accepted, t) : null,
    reject: forms.reject ? { ...forms.reject, error: forms.reject.error && t(forms.reject.error) } : { value: '' },
    suspend: forms.suspend ? { ...forms.suspend, error: forms.suspend.error && t(forms.suspend.error) } : { value: '' },
    alert: forms.alert,
    done: done && ['approved', 'invited', 'rejected', 'suspended', 'reactivated', 'updated', 'campaigns', 'reinvited'].includes(done) ? t(`onboarding.done.${done}`) : null,
  };
}
