import { z } from 'zod';
import { parseBic, parseIban, parseSiret, parseVatNumber } from './lib/identifiers';
import { parseSepaName } from './settlement/sepa-text';
import type { Seller } from './invoices/invoice-document';

/**
 * The operator's legal identity (chamber of commerce, town, shop association): it sells
 * the vouchers and issues the invoices, and its IBAN receives bank transfers. Read from
 * OPERATOR_* variables. Outside production a fictitious but valid identity (checksums
 * pass) is used so the demo can issue invoices; in production every field must be set.
 */
const DEMO = {
  OPERATOR_LEGAL_NAME: 'CCI Seine Estuaire (démonstration)',
  OPERATOR_ADDRESS: '181 quai Frissard',
  OPERATOR_POSTCODE: '76600',
  OPERATOR_CITY: 'Le Havre',
  OPERATOR_SIRET: '73282932000074',
  OPERATOR_VAT_NUMBER: 'FR44732829320',
  OPERATOR_IBAN: 'FR7630006000011234567890189',
  OPERATOR_BIC: 'AGRIFRPP',
  OPERATOR_EMAIL: 'bons@cci-demo.example',
  OPERATOR_LEGAL_FORM: 'Établissement public administratif',
};
type Key = keyof typeof DEMO;

const checked = (parse: (s: string) => { ok: true; value: string } | { ok: false; reason: string }) =>
  z.string().transform((s, ctx) => {
    const r = parse(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.reason });
      return z.NEVER;
    }
    return r.value;
  });

const schema = z.object({
  // The debtor and initiating party of every SEPA file: refused at start-up if a file could
  // not carry it, rather than at the first settlement.
  OPERATOR_LEGAL_NAME: z.string().min(2).superRefine((s, ctx) => {
    const r = parseSepaName(s);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: `not writable in a SEPA file: ${r.reason}` });
  }),
  OPERATOR_ADDRESS: z.string().min(2),
  OPERATOR_POSTCODE: z.string().regex(/^\d{5}$/),
  OPERATOR_CITY: z.string().min(1),
  OPERATOR_SIRET: checked(parseSiret),
  OPERATOR_VAT_NUMBER: checked(parseVatNumber),
  OPERATOR_IBAN: checked(parseIban),
  OPERATOR_BIC: checked(parseBic),
  OPERATOR_EMAIL: z.email(),
  OPERATOR_LEGAL_FORM: z.string().optional(),
});

export function loadOperator(env: NodeJS.ProcessEnv, production: boolean): Seller {
  const source: Record<string, string | undefined> = {};
  for (const k of Object.keys(DEMO) as Key[]) source[k] = env[k] || (production ? undefined : DEMO[k]);
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')} (${i.message})`).join(', ');
    throw new Error(`Operator identity incomplete or invalid: ${fields}. Set the OPERATOR_* variables (see README).`);
  }
  const e = parsed.data;
  return {
    legalName: e.OPERATOR_LEGAL_NAME,
    address: { lines: e.OPERATOR_ADDRESS.split('|').map((l) => l.trim()), postcode: e.OPERATOR_POSTCODE, city: e.OPERATOR_CITY, countryCode: 'FR' },
    siren: e.OPERATOR_SIRET.slice(0, 9),
    siret: e.OPERATOR_SIRET,
    vatNumber: e.OPERATOR_VAT_NUMBER,
    legalForm: e.OPERATOR_LEGAL_FORM,
    iban: e.OPERATOR_IBAN,
    bic: e.OPERATOR_BIC,
    email: e.OPERATOR_EMAIL,
  };
}
