import { categoryLabel } from '../../lib/i18n';
import type { Campaign } from '../../domain/campaigns/campaign';
import { progress } from '../../domain/campaigns/campaign';
import { BONUS_KINDS, BREAKAGE_RULES, type CampaignField, type CampaignFormValues } from '../../domain/campaigns/campaign-form';
import { SHOP_CATEGORIES } from '../../domain/merchants/onboarding-form';
import { formatLongDate } from '../../lib/dates';

type T = (key: string, params?: Record<string, string | number>) => string;

interface FieldSpec {
  name: CampaignField;
  kind?: 'textarea' | 'select' | 'date';
  options?: readonly string[];
  /** inputmode for number-like text fields (amounts keep their decimal comma: type=text). */
  mode?: 'decimal' | 'numeric';
  hint?: boolean;
}

/** The form's groups, in the order an operator thinks about a campaign. */
const GROUPS: { key: string; fields: FieldSpec[] }[] = [
  { key: 'general', fields: [{ name: 'name' }, { name: 'description', kind: 'textarea' }, { name: 'operatorName' }, { name: 'sponsorName', hint: true }] },
  {
    key: 'amounts',
    fields: [{ name: 'target', mode: 'decimal' }, { name: 'denominations', hint: true }, { name: 'minAmount', mode: 'decimal' }, { name: 'maxAmount', mode: 'decimal' }, { name: 'validityDays', mode: 'numeric', hint: true }],
  },
  {
    key: 'limits',
    fields: [{ name: 'maxVouchersPerOrder', mode: 'numeric' }, { name: 'maxOrderIndividual', mode: 'decimal' }, { name: 'maxVouchersPerOrgOrder', mode: 'numeric' }, { name: 'maxOrderOrg', mode: 'decimal' }],
  },
  { key: 'money', fields: [{ name: 'commission', mode: 'decimal', hint: true }, { name: 'orgFee', mode: 'decimal', hint: true }, { name: 'breakageRule', kind: 'select', options: BREAKAGE_RULES, hint: true }] },
  {
    key: 'bonus',
    fields: [{ name: 'bonusKind', kind: 'select', options: BONUS_KINDS }, { name: 'bonusPercent', mode: 'decimal' }, { name: 'bonusFixed', mode: 'decimal' }, { name: 'bonusCapPerBuyer', mode: 'decimal', hint: true }, { name: 'bonusBudget', mode: 'decimal' }],
  },
  { key: 'dates', fields: [{ name: 'startsOn', kind: 'date' }, { name: 'lastDay', kind: 'date', hint: true }] },
];

export interface CampaignFormState {
  values: CampaignFormValues;
  errors?: Record<string, string>;
  alert?: string;
}

/** The form as generic groups of fields the template loops over (labels and errors translated). */
export function campaignFormView(state: CampaignFormState, t: T) {
  const errors = state.errors ?? {};
  const groups = GROUPS.map((g) => ({
    title: t(`cadmin.group.${g.key}`),
    fields: g.fields.map((f) => ({
      name: f.name,
      id: `c_${f.name}`,
      label: t(`cadmin.field.${f.name}`),
      hint: f.hint ? t(`cadmin.hint.${f.name}`) : null,
      value: state.values[f.name],
      error: errors[f.name] ? t(errors[f.name]!) : null,
      textarea: f.kind === 'textarea',
      select: f.kind === 'select',
      date: f.kind === 'date',
      mode: f.mode ?? null,
      options: f.options?.map((o) => ({ value: o, label: t(`cadmin.option.${f.name}.${o}`), selected: state.values[f.name] === o })),
    })),
  }));
  return {
    groups,
    categories: {
      all: state.values.categoriesMode !== 'some',
      error: errors.categories ? t(errors.categories) : null,
      list: SHOP_CATEGORIES.map((c, i) => ({ value: c, id: `cat_${i}`, checked: state.values.categories.includes(c) })),
    },
    imageError: errors.image ? t(errors.image) : null,
    alert: state.alert ?? (Object.keys(errors).length ? t('cadmin.has_errors') : null),
  };
}

const statusLabel = (t: T, s: string) => t(`cadmin.status.${s}`);

export function campaignListView(list: Campaign[], t: T, locale: string) {
  return list.map((c) => ({
    slug: c.slug,
    name: c.name,
    status: c.status,
    statusLabel: statusLabel(t, c.status),
    targetCents: c.targetCents,
    soldCents: c.soldCents,
    redeemedCents: c.redeemedCents,
    ...progress(c),
    starts: formatLongDate(c.startsAt, locale),
  }));
}

/** The campaign's facts for its page: read by every role, above the form for those who manage. */
export function campaignDetailView(c: Campaign, t: T, locale: string, baseUrl: string) {
  const accepted = c.acceptedCategories ? (JSON.parse(c.acceptedCategories) as string[]) : null;
  const embedUrl = `${baseUrl}/embed/campaigns/${c.slug}`;
  return {
    ...c,
    ...progress(c),
    statusLabel: statusLabel(t, c.status),
    draft: c.status === 'draft',
    active: c.status === 'active',
    closed: c.status === 'closed',
    publicUrl: `/campagnes/${c.slug}`,
    imageUrl: c.imagePath ? `/media/campagnes/${c.imagePath.split('/').pop()}` : null,
    starts: formatLongDate(c.startsAt, locale),
    ends: c.endsAt ? formatLongDate(new Date(new Date(c.endsAt).getTime() - 1).toISOString(), locale) : null,
    commission: (c.commissionBps / 100).toLocaleString(locale === 'en' ? 'en-GB' : 'fr-FR'),
    orgFee: (c.orgFeeBps / 100).toLocaleString(locale === 'en' ? 'en-GB' : 'fr-FR'),
    breakageLabel: t(`cadmin.option.breakageRule.${c.breakageRule}`),
    bonusLabel: t(`cadmin.option.bonusKind.${c.bonusKind}`),
    categoriesLabel: accepted ? accepted.map((c) => categoryLabel(c, locale)).join(', ') : t('cadmin.categories_all'),
    // What the town pastes on its website; drafts are not embeddable yet (404 until published).
    // ?lang= fixes the widget's language to the host page's (the snippet defaults to the page's locale).
    embedSnippet: `<iframe src="${embedUrl}?lang=${locale === 'en' ? 'en' : 'fr'}" title="${c.name.replace(/"/g, '&quot;')}" width="360" height="240" style="border:0" loading="lazy"></iframe>`,
    embedUrl,
  };
}
