import { SHOP_CATEGORIES, SHOP_FIELDS, type ShopFormValues } from '../../domain/merchants/onboarding-form';

type T = (key: string, params?: Record<string, string | number>) => string;

/** How each field renders; the partial `shop-fields` only loops over this. */
const FIELD_UI: Record<keyof ShopFormValues, { type?: string; autocomplete?: string; inputmode?: string; optional?: boolean; textarea?: boolean; select?: boolean; group: 'shop' | 'bank' | 'contact' }> = {
  name: { autocomplete: 'organization', group: 'shop' },
  siret: { inputmode: 'numeric', group: 'shop' },
  category: { select: true, group: 'shop' },
  address: { autocomplete: 'street-address', group: 'shop' },
  postalCode: { autocomplete: 'postal-code', inputmode: 'numeric', group: 'shop' },
  city: { autocomplete: 'address-level2', group: 'shop' },
  openingHours: { textarea: true, optional: true, group: 'shop' },
  website: { type: 'url', autocomplete: 'url', optional: true, group: 'shop' },
  iban: { autocomplete: 'off', group: 'bank' },
  bic: { autocomplete: 'off', optional: true, group: 'bank' },
  accountHolder: { group: 'bank' },
  contactName: { autocomplete: 'name', group: 'contact' },
  contactEmail: { type: 'email', autocomplete: 'email', group: 'contact' },
  phone: { type: 'tel', autocomplete: 'tel', group: 'contact' },
};

export const emptyShopValues = (): ShopFormValues => Object.fromEntries(SHOP_FIELDS.map((f) => [f, ''])) as ShopFormValues;

/**
 * The shop form's fields grouped in fieldsets, with values, translated errors and hints.
 * Shared by the public application and the operator's edit form (same validation).
 */
export function shopFieldsView(values: ShopFormValues, errors: Record<string, string>, t: T) {
  const order: (keyof ShopFormValues)[] = ['name', 'siret', 'category', 'address', 'postalCode', 'city', 'openingHours', 'website', 'iban', 'bic', 'accountHolder', 'contactName', 'contactEmail', 'phone'];
  const field = (name: keyof ShopFormValues) => {
    const ui = FIELD_UI[name];
    const hintKey = `onboarding.hint.${name}`;
    const hint = t(hintKey);
    return {
      name,
      label: t(`onboarding.field.${name}`),
      hint: hint === hintKey ? null : hint,
      value: values[name],
      error: errors[name] ? t(errors[name]!) : null,
      type: ui.type ?? 'text',
      autocomplete: ui.autocomplete ?? null,
      inputmode: ui.inputmode ?? null,
      required: !ui.optional,
      textarea: !!ui.textarea,
      options: ui.select ? SHOP_CATEGORIES.map((c) => ({ value: c, selected: c === values[name] })) : null,
    };
  };
  const group = (g: 'shop' | 'bank' | 'contact') => ({ legend: t(`onboarding.group.${g}`), fields: order.filter((f) => FIELD_UI[f].group === g).map(field) });
  return { groups: [group('shop'), group('bank'), group('contact')], errorCount: Object.keys(errors).length };
}

/** Campaign checkboxes, checked from the posted (or stored) ids. */
export const campaignChoices = (list: { id: string; name: string; status?: string }[], checked: string[], t?: T) =>
  list.map((c) => ({ id: c.id, name: c.name, checked: checked.includes(c.id), closed: c.status === 'closed', note: c.status === 'closed' && t ? t('onboarding.campaign_closed') : null }));
