import { optional, parseBic, parseIban } from '../lib/identifiers';
import { escapeXml } from '../lib/xml';
import { checkSepaId, SEPA_NAME_MAX, sepaText } from './sepa-text';

/**
 * The SEPA credit transfer file (ISO 20022 pain.001.001.03, EPC SCT profile) the operator
 * uploads to its bank to pay the shops their settlement statements: one batch (PmtInf)
 * debiting the operator's account, one transaction per statement.
 *
 * Pure and deterministic: the same input gives the same bytes (createdAt comes from the
 * input), so a file re-exported for a bank that lost it is identical to the first one.
 * Amounts are integer cents end to end; sums use BigInt and decimals are written by string
 * arithmetic, never through a float.
 */

export interface SepaDebtor {
  name: string;
  iban: string;
  /** null when unknown: the file then says NOTPROVIDED (allowed for SEPA since 2016). */
  bic: string | null;
}

/** One per shop statement. */
export interface SepaTransfer {
  /** Comes back on the shop's and our bank statements: the statement's reference. */
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  creditorBic: string | null;
  remittance: string;
}

export interface SepaFileInput {
  messageId: string;
  createdAt: Date;
  /** YYYY-MM-DD */
  requestedExecutionDate: string;
  paymentInfoId: string;
  debtor: SepaDebtor;
  initiatingPartyName: string;
  transfers: SepaTransfer[];
}

export interface SepaProblem {
  /** Position in `transfers` when the problem is a transfer's. */
  index?: number;
  field: string;
  code: string;
}

export type SepaCheck = { ok: true } | { ok: false; problems: SepaProblem[] };

/** Thrown by buildPain001; carries every problem so the caller can show them all. */
export class SepaInputError extends Error {
  constructor(readonly problems: SepaProblem[]) {
    super(`invalid SEPA input: ${problems.map((p) => `${p.index === undefined ? '' : `transfers[${p.index}].`}${p.field} ${p.code}`).join(', ')}`);
    this.name = 'SepaInputError';
  }
}

/** EPC limit for one SCT transaction: 999 999 999,99 €. */
export const MAX_TRANSFER_CENTS = 99_999_999_999;

// EPC field lengths (stricter than the ISO schema's 140 for names).
const NAME_MAX = SEPA_NAME_MAX;
const REMITTANCE_MAX = 140;

/** A transfer after cleaning: same fields, SEPA text and normalised identifiers. */
type CleanTransfer = SepaTransfer;

interface CleanFile {
  messageId: string;
  createdAt: string;
  requestedExecutionDate: string;
  paymentInfoId: string;
  debtorName: string;
  debtorIban: string;
  debtorBic: string | null;
  initiatingPartyName: string;
  transfers: CleanTransfer[];
  totalCents: bigint;
}

const parseOptionalBic = optional(parseBic);

/** A real calendar date written YYYY-MM-DD (2026-02-30 is refused). */
function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) === value;
}

type Report = (field: string, code: string) => void;

function checkedId(field: string, value: string, report: Report): string {
  const reason = checkSepaId(value);
  if (reason) report(field, reason);
  return value;
}

function cleanName(field: string, value: string, max: number, report: Report): string {
  const clean = sepaText(value, max);
  if (clean === '') report(field, 'empty');
  return clean;
}

/** One transaction, cleaned, with what is wrong with it (fields of SepaTransfer). */
function cleanTransfer(t: SepaTransfer, report: Report): CleanTransfer {
  const endToEndId = checkedId('endToEndId', t.endToEndId, report);
  if (!Number.isSafeInteger(t.amountCents)) report('amountCents', 'not_integer');
  else if (t.amountCents <= 0) report('amountCents', 'not_positive');
  else if (t.amountCents > MAX_TRANSFER_CENTS) report('amountCents', 'too_large');
  const iban = parseIban(t.creditorIban);
  if (!iban.ok) report('creditorIban', iban.reason);
  const bic = parseOptionalBic(t.creditorBic);
  if (!bic.ok) report('creditorBic', bic.reason);
  return {
    endToEndId,
    amountCents: t.amountCents,
    creditorName: cleanName('creditorName', t.creditorName, NAME_MAX, report),
    creditorIban: iban.ok ? iban.value : '',
    creditorBic: bic.ok ? bic.value : null,
    remittance: cleanName('remittance', t.remittance, REMITTANCE_MAX, report),
  };
}

/**
 * What would make one transaction break the file, checked by the very code that writes it.
 * A settlement batch runs it on each shop's transfer before it commits, so one shop's
 * details hold back that shop only, never the whole file.
 */
export function checkSepaTransfer(t: SepaTransfer): SepaProblem[] {
  const problems: SepaProblem[] = [];
  cleanTransfer(t, (field, code) => problems.push({ field, code }));
  return problems;
}

/**
 * Normalises everything the file needs and lists every problem on the way (not just the
 * first), so an operator fixes all shops' bank details in one go.
 */
function normalise(input: SepaFileInput): { problems: SepaProblem[]; file: CleanFile } {
  const problems: SepaProblem[] = [];
  const report: Report = (field, code) => problems.push({ field, code });

  const messageId = checkedId('messageId', input.messageId, report);
  const paymentInfoId = checkedId('paymentInfoId', input.paymentInfoId, report);
  const createdAtIso = input.createdAt instanceof Date && !Number.isNaN(input.createdAt.getTime()) ? input.createdAt.toISOString() : '';
  // toISOString writes years beyond 9999 as "+010000-…", which xs:dateTime refuses.
  const validCreatedAt = /^\d{4}-/.test(createdAtIso);
  if (!validCreatedAt) report('createdAt', 'invalid_date');
  if (!isIsoDate(input.requestedExecutionDate)) report('requestedExecutionDate', 'invalid_date');
  const initiatingPartyName = cleanName('initiatingPartyName', input.initiatingPartyName, NAME_MAX, report);
  const debtorName = cleanName('debtor.name', input.debtor.name, NAME_MAX, report);
  const debtorIban = parseIban(input.debtor.iban);
  if (!debtorIban.ok) report('debtor.iban', debtorIban.reason);
  const debtorBic = parseOptionalBic(input.debtor.bic);
  if (!debtorBic.ok) report('debtor.bic', debtorBic.reason);

  if (input.transfers.length === 0) report('transfers', 'empty');
  const seen = new Set<string>();
  let totalCents = 0n;
  const transfers = input.transfers.map((t, index): CleanTransfer => {
    // Two transactions with one reference would be indistinguishable on the statements.
    if (seen.has(t.endToEndId)) problems.push({ index, field: 'endToEndId', code: 'duplicate' });
    seen.add(t.endToEndId);
    const clean = cleanTransfer(t, (field, code) => problems.push({ index, field, code }));
    if (Number.isSafeInteger(t.amountCents) && t.amountCents > 0 && t.amountCents <= MAX_TRANSFER_CENTS) totalCents += BigInt(t.amountCents);
    return clean;
  });

  return {
    problems,
    file: {
      messageId,
      // ISO 8601 in UTC without milliseconds: some bank portals refuse fractional seconds.
      createdAt: validCreatedAt ? `${createdAtIso.slice(0, 19)}Z` : '',
      requestedExecutionDate: input.requestedExecutionDate,
      paymentInfoId,
      debtorName,
      debtorIban: debtorIban.ok ? debtorIban.value : '',
      debtorBic: debtorBic.ok ? debtorBic.value : null,
      initiatingPartyName,
      transfers,
      totalCents,
    },
  };
}

export function checkSepaInput(input: SepaFileInput): SepaCheck {
  const { problems } = normalise(input);
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** 123456n → "1234.56", 5 → "0.05": exact for any integer amount of cents. */
export function sepaAmount(cents: bigint | number): string {
  const digits = BigInt(cents).toString().padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Leaf element; every text goes through escapeXml even though the SEPA set needs little. */
const leaf = (indent: string, tag: string, value: string, attrs = ''): string => `${indent}<${tag}${attrs}>${escapeXml(value)}</${tag}>\n`;

/** Debtor or creditor agent: the BIC, or "NOTPROVIDED" (the EPC's wording) when unknown. */
function agent(indent: string, tag: string, bic: string | null): string {
  const inner = bic ? leaf(`${indent}    `, 'BIC', bic) : `${indent}    <Othr>\n${leaf(`${indent}      `, 'Id', 'NOTPROVIDED')}${indent}    </Othr>\n`;
  return `${indent}<${tag}>\n${indent}  <FinInstnId>\n${inner}${indent}  </FinInstnId>\n${indent}</${tag}>\n`;
}

const account = (indent: string, tag: string, iban: string): string => `${indent}<${tag}>\n${indent}  <Id>\n${leaf(`${indent}    `, 'IBAN', iban)}${indent}  </Id>\n${indent}</${tag}>\n`;

const party = (indent: string, tag: string, nm: string): string => `${indent}<${tag}>\n${leaf(`${indent}  `, 'Nm', nm)}${indent}</${tag}>\n`;

function transaction(t: CleanTransfer): string {
  const i = '      ';
  return (
    `${i}<CdtTrfTxInf>\n` +
    `${i}  <PmtId>\n${leaf(`${i}    `, 'EndToEndId', t.endToEndId)}${i}  </PmtId>\n` +
    `${i}  <Amt>\n${leaf(`${i}    `, 'InstdAmt', sepaAmount(t.amountCents), ' Ccy="EUR"')}${i}  </Amt>\n` +
    // Since the IBAN-only rule (2016) the creditor's BIC is optional; the element is left
    // out rather than filled with NOTPROVIDED, which the EPC only defines for the debtor.
    (t.creditorBic ? agent(`${i}  `, 'CdtrAgt', t.creditorBic) : '') +
    party(`${i}  `, 'Cdtr', t.creditorName) +
    account(`${i}  `, 'CdtrAcct', t.creditorIban) +
    `${i}  <RmtInf>\n${leaf(`${i}    `, 'Ustrd', t.remittance)}${i}  </RmtInf>\n` +
    `${i}</CdtTrfTxInf>\n`
  );
}

/** The pain.001.001.03 XML (UTF-8). Throws SepaInputError when checkSepaInput is not ok. */
export function buildPain001(input: SepaFileInput): string {
  const { problems, file: f } = normalise(input);
  if (problems.length > 0) throw new SepaInputError(problems);
  const count = String(f.transfers.length);
  const total = sepaAmount(f.totalCents);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">\n' +
    '  <CstmrCdtTrfInitn>\n' +
    '    <GrpHdr>\n' +
    leaf('      ', 'MsgId', f.messageId) +
    leaf('      ', 'CreDtTm', f.createdAt) +
    leaf('      ', 'NbOfTxs', count) +
    leaf('      ', 'CtrlSum', total) +
    party('      ', 'InitgPty', f.initiatingPartyName) +
    '    </GrpHdr>\n' +
    '    <PmtInf>\n' +
    leaf('      ', 'PmtInfId', f.paymentInfoId) +
    leaf('      ', 'PmtMtd', 'TRF') +
    // One debit on the operator's statement for the whole batch, as accountants expect.
    leaf('      ', 'BtchBookg', 'true') +
    leaf('      ', 'NbOfTxs', count) +
    leaf('      ', 'CtrlSum', total) +
    '      <PmtTpInf>\n        <SvcLvl>\n' +
    leaf('          ', 'Cd', 'SEPA') +
    '        </SvcLvl>\n      </PmtTpInf>\n' +
    leaf('      ', 'ReqdExctnDt', f.requestedExecutionDate) +
    party('      ', 'Dbtr', f.debtorName) +
    account('      ', 'DbtrAcct', f.debtorIban) +
    agent('      ', 'DbtrAgt', f.debtorBic) +
    // SLEV (service level): the only charge bearer the SEPA scheme allows.
    leaf('      ', 'ChrgBr', 'SLEV') +
    f.transfers.map(transaction).join('') +
    '    </PmtInf>\n' +
    '  </CstmrCdtTrfInitn>\n' +
    '</Document>\n'
  );
}
