import { GIFT_EVENTS } from '../../domain/bulk/employer-gifts';
import type { Campaign } from '../../domain/campaigns/campaign';
import { MAX_ORDER_VOUCHERS } from '../../domain/orders/organisation-order';
import { formatMoney, formatMoneyShort } from '../../lib/money';
import { campaignView } from '../presenters';
import { F, FILE_FIELD, MAX_LENGTH, type FieldError, type OrgFormValues, type ParsedOrgForm, type TextField } from './form-schema';
import { MULTIPART_LIMITS } from './multipart';

type T = (key: string, params?: Record<string, string | number>) => string;

interface Locals {
  locale: string;
  t: T;
}

export interface OrgFormState {
  values: OrgFormValues;
  errors?: Record<string, FieldError>;
  csvReport?: ParsedOrgForm['csvReport'];
  fileSummary?: ParsedOrgForm['fileSummary'];
  /** A message for the whole form (a domain refusal without a field, a file too large…). */
  formError?: string;
}

/** Labels, hints and autocomplete tokens of the text fields; the template only lays them out. */
const TEXT_FIELDS: Record<Exclude<TextField, 'type'>, { optional?: boolean; hint?: boolean; autocomplete?: string; inputmode?: string; type?: string }> = {
  organisation: { autocomplete: 'organization' },
  siret: { hint: true, autocomplete: 'off', inputmode: 'numeric' },
  vatNumber: { optional: true, hint: true, autocomplete: 'off' },
  street: { autocomplete: 'street-address' },
  postalCode: { autocomplete: 'postal-code', inputmode: 'numeric' },
  city: { autocomplete: 'address-level2' },
  name: { autocomplete: 'name' },
  email: { hint: true, autocomplete: 'email', type: 'email' },
  phone: { optional: true, autocomplete: 'tel', type: 'tel' },
  purchaseOrder: { optional: true, hint: true, autocomplete: 'off' },
  serviceCode: { optional: true, hint: true, autocomplete: 'off' },
};

/**
 * Ready-made view model of the organisation form: every field with its label, value, hint
 * and translated error, so the template only lays things out and tests flags.
 */
export function orgFormView(campaign: Campaign, locals: Locals, now: Date, ceiling: { cents: number; year: number }, state: OrgFormState) {
  const { t, locale } = locals;
  const { values } = state;
  const errors = state.errors ?? {};
  const money = (c: number) => formatMoneyShort(c, locale);
  // Counts read "10 000" / "10,000"; …Cents params are formatted as money by translate.
  const count = (n: number) => n.toLocaleString(locale === 'en' ? 'en-GB' : 'fr-FR');
  const localised = (params?: FieldError['params']) =>
    params && Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'number' && !k.endsWith('Cents') ? count(v) : v]));
  const err = (name: string) => (errors[name] ? t(errors[name]!.key, localised(errors[name]!.params)) : null);
  const slug = campaign.slug;

  const field = (k: Exclude<TextField, 'type'>) => {
    const spec = TEXT_FIELDS[k];
    const id = `org-${k}`;
    const error = err(F[k]);
    const hint = spec.hint ? t(`org_form.hint.${k}`) : null;
    return {
      ...spec,
      type: spec.type ?? 'text',
      id,
      name: F[k],
      value: values.text[k],
      max: MAX_LENGTH[k],
      label: t(`org_form.field.${k}`),
      hint,
      error,
      describedBy: [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || null,
    };
  };
  const fields = Object.fromEntries((Object.keys(TEXT_FIELDS) as (keyof typeof TEXT_FIELDS)[]).map((k) => [k, field(k)]));
  const type = values.text.type;
  const report = state.csvReport;

  return {
    title: t('org_form.title', { campaign: campaign.name }),
    extraJs: '/js/org-order-form.js',
    campaign: campaignView(campaign, locale, now),
    action: `/campagnes/${slug}/commande-organisation`,
    templateUrl: `/campagnes/${slug}/commande-organisation/modele.csv`,
    formError: state.formError ?? null,
    errorCount: Object.keys(errors).length,
    types: (['company', 'municipality'] as const).map((value) => ({ value, label: t(`org_form.type.${value}`), checked: type === value })),
    typeError: err(F.type),
    isMunicipality: type === 'municipality',
    isCompany: type !== 'municipality',
    fields,
    sources: (['amounts', 'file'] as const).map((value) => ({ value, label: t(`org_form.source.${value}`), checked: values.source === value })),
    usesFile: values.source === 'file',
    denominations: campaign.denominationsCents.map((c) => ({ id: `qty_${c}`, label: money(c), value: values.quantities[c] ?? '', error: err(`qty_${c}`) })),
    freeLines: values.freeLines.map((l, i) => ({
      number: i + 1,
      amountId: `free_amount_${i}`,
      qtyId: `free_qty_${i}`,
      amount: l.amount,
      quantity: l.quantity,
      amountError: err(`free_amount_${i}`),
      qtyError: err(`free_qty_${i}`),
    })),
    freeRange: t('org_form.free_range', { min: money(campaign.minAmountCents), max: money(campaign.maxAmountCents) }),
    itemsError: err('items'),
    fileError: err(FILE_FIELD),
    fileHint: t('org_form.hint.file', { size: '2', max: count(MAX_ORDER_VOUCHERS), min: money(campaign.minAmountCents), maxAmount: money(campaign.maxAmountCents) }),
    maxFileBytes: MULTIPART_LIMITS.fileBytes,
    fileSummary: state.fileSummary
      ? t('org_form.file_ok_again', { filename: state.fileSummary.filename, count: state.fileSummary.count, total: formatMoney(state.fileSummary.totalCents, locale) })
      : null,
    csvReport: report
      ? {
          fileErrors: report.fileErrors.map((e) => t(e.messageKey, localised(e.params))),
          rows: report.rowErrors.map((e) => ({ line: e.line, column: e.column ? t(`org_form.column.${e.column}`) : '—', message: t(e.messageKey, localised(e.params)) })),
          more: report.moreRowErrors > 0 ? t('org_form.more_errors', { count: count(report.moreRowErrors) }) : null,
        }
      : null,
    ceilingText: t('org_form.ceiling_text', { ceiling: money(ceiling.cents), year: ceiling.year }),
    ceilingWarning: err('ceiling'),
    events: GIFT_EVENTS.map((e) => ({ value: e, label: t(`gift_event.${e}`), selected: values.giftEvent === e })),
    giftEventError: err('giftEvent'),
    ceilingAcknowledged: values.ceilingAcknowledged,
    payments: (['bank_transfer', 'card'] as const).map((value) => ({ value, label: t(`org_form.payment.${value}`), hint: t(`org_form.payment_hint.${value}`), checked: values.paymentMethod === value })),
    paymentError: err('paymentMethod'),
    feeHint: campaign.orgFeeBps > 0 ? t('org_form.fee', { percent: (campaign.orgFeeBps / 100).toLocaleString(locale === 'en' ? 'en-GB' : 'fr-FR') }) : null,
  };
}
