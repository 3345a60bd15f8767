import { csvCell } from '../../lib/csv';
import { decimalAmount } from '../../lib/money';
import type { Campaign } from '../../domain/campaigns/campaign';

interface Locals {
  locale: string;
  t: (key: string, params?: Record<string, string | number>) => string;
}

/**
 * The example beneficiaries file offered for download, in the user's language: the way
 * Excel FR saves CSV (";", UTF-8 with a BOM so Excel shows accents right, CRLF), with the
 * campaign's own amounts so the example, uploaded as is, makes a valid order. One row
 * without email (a voucher handed over by the buyer).
 */
export function beneficiariesTemplate(campaign: Campaign, { t, locale }: Locals): string {
  const amounts = campaign.denominationsCents.length ? [...campaign.denominationsCents].sort((a, b) => a - b) : [campaign.minAmountCents];
  const pick = (i: number) => amounts[Math.min(i, amounts.length - 1)]!;
  const amount = (c: number) => decimalAmount(c, locale === 'fr' ? ',' : '.');
  const rows = [
    [t('org_form.template.col_name'), t('org_form.template.col_email'), t('org_form.template.col_amount'), t('org_form.template.col_message')],
    ['Camille Martin', 'camille.martin@exemple.fr', amount(pick(Math.floor((amounts.length - 1) / 2))), t('org_form.template.message')],
    ['Jérôme Lefèvre', '', amount(pick(0)), ''],
    ['Dupont, Marie', 'marie.dupont@exemple.fr', amount(pick(amounts.length - 1)), ''],
  ];
  return '\ufeff' + rows.map((r) => r.map((c) => csvCell(c)).join(';')).join('\r\n') + '\r\n';
}
