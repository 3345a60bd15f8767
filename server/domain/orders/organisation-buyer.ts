import { optional, parseChorusServiceCode, parseCommitmentNumber, parseSiret, parseVatNumber } from '../../lib/identifiers';

export interface OrganisationBuyerInput {
  type: 'company' | 'municipality';
  organisation?: string;
  siret?: string;
  vatNumber?: string;
  purchaseOrder?: string;
  serviceCode?: string;
  address?: { lines: string[]; postalCode: string; city: string };
}

export interface CheckedOrganisationBuyer {
  organisation: string;
  siret: string;
  vatNumber: string | null;
  purchaseOrder: string | null;
  serviceCode: string | null;
  billingAddress: string;
  postalCode: string;
  city: string;
}

/**
 * What an invoice to an organisation needs, checked before anything is created: a real
 * SIRET (Luhn), a well-formed VAT number when given, a billing address; for public bodies
 * the Chorus Pro service code and commitment number when given. Field → message key.
 */
export function checkOrganisationBuyer(b: OrganisationBuyerInput): { ok: true; value: CheckedOrganisationBuyer } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  if (!b.organisation?.trim()) fields['buyer.organisation'] = 'errors.required';
  const siret = parseSiret(b.siret ?? '');
  if (!siret.ok) fields['buyer.siret'] = siret.reason === 'empty' ? 'errors.required' : 'errors.siret';
  const vat = optional(parseVatNumber)(b.vatNumber);
  if (!vat.ok) fields['buyer.vatNumber'] = 'errors.vat_number';
  const po = optional(parseCommitmentNumber)(b.purchaseOrder);
  if (!po.ok) fields['buyer.purchaseOrder'] = 'errors.purchase_order';
  const service = optional(parseChorusServiceCode)(b.serviceCode);
  if (!service.ok) fields['buyer.serviceCode'] = 'errors.service_code';
  const lines = (b.address?.lines ?? []).map((l) => l.trim()).filter(Boolean);
  if (!lines.length) fields['buyer.address.lines'] = 'errors.required';
  if (!/^\d{5}$/.test(b.address?.postalCode?.trim() ?? '')) fields['buyer.address.postalCode'] = 'errors.postal_code';
  if (!b.address?.city?.trim()) fields['buyer.address.city'] = 'errors.required';
  if (Object.keys(fields).length || !siret.ok || !vat.ok || !po.ok || !service.ok) return { ok: false, fields };
  return {
    ok: true,
    value: {
      organisation: b.organisation!.trim(),
      siret: siret.value,
      vatNumber: vat.value,
      purchaseOrder: po.value,
      serviceCode: b.type === 'municipality' ? service.value : null,
      billingAddress: lines.slice(0, 3).join('\n'),
      postalCode: b.address!.postalCode.trim(),
      city: b.address!.city.trim(),
    },
  };
}
