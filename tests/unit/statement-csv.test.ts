import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Database_ } from '../../db/client';
import { statementAmounts } from '../../server/domain/settlements/commission';
import type { StatementLine } from '../../server/domain/settlements/settlements-repository';
import { statementCsvLines } from '../../server/settlement/statement-csv';
import type { StatementDocument } from '../../server/settlement/statement-data';
import { csvCents as cents, csvRows } from '../support/csv';

/**
 * The CSV's per-line commission and VAT: shares of each campaign's rounded total, computed
 * on the running sum, so every column adds up exactly to what the settlement stored
 * (statementAmounts, the same function the settlement uses), whatever the amounts and rates.
 */

/** Only what statementLines reads: one prepared statement paging a statement's lines by (created_at, number). */
function fakeDatabase(lines: StatementLine[]): Database_ {
  const sorted = [...lines].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.number - b.number);
  const page = { all: (_statementId: string, afterAt: string, afterNumber: number) => sorted.filter((l) => l.createdAt > afterAt || (l.createdAt === afterAt && l.number > afterNumber)).slice(0, 1000) };
  return { sqlite: { prepare: () => page } } as unknown as Database_;
}

interface Campaign { id: string; name: string; commissionBps: number; vatBps: number }

/** The statement the settlement would have stored for these lines. */
function documentFor(campaigns: Campaign[], lines: StatementLine[]): StatementDocument {
  const used = campaigns.filter((c) => lines.some((l) => l.campaignId === c.id));
  const amounts = statementAmounts(used.map((c) => {
    const mine = lines.filter((l) => l.campaignId === c.id);
    return { campaignId: c.id, commissionBps: c.commissionBps, vatBps: c.vatBps, redemptionCount: mine.length, grossCents: mine.reduce((s, l) => s + l.amountCents, 0) };
  }));
  const at = '2026-11-16T10:00:00.000Z';
  return {
    statement: {
      id: 'st', reference: 'REL-2026-000001', batchId: 'b', merchantId: 'm', merchantSiret: null, redemptionCount: amounts.redemptionCount, grossCents: amounts.grossCents, commissionCents: amounts.commissionCents,
      vatCents: amounts.vatCents, breakageCents: 0, netCents: amounts.netCents, method: 'sepa', iban: 'FR7630006000011234567890189', bic: null, accountHolder: 'Shop', stripeAccountId: null, stripeTransferId: null,
      status: 'pending', failureReason: null, invoiceNumber: 'FAC-2026-000001', journalId: 'j', paidJournalId: null, paidAt: null, reversedCents: 0, sepaFileSeq: 1, sepaHoldReason: null, createdAt: '2026-12-01T00:00:00.000Z',
    },
    batch: { id: 'b', reference: 'RGL-2026-0001', until: '2026-11-30', cutoffAt: at, messageId: 'x', grossCents: 0, commissionCents: 0, vatCents: 0, netCents: 0, sepaExecutedAt: null, sepaExecutedBy: null, createdBy: 't', createdAt: at, closedAt: at, merchantCursor: null },
    shop: { id: 'm', name: 'Shop', address: '1 rue', postalCode: '76600', city: 'Le Havre', siret: null },
    campaigns: amounts.campaigns.map((c) => ({ ...c, statementId: 'st', name: used.find((u) => u.id === c.campaignId)!.name })),
  };
}

const campaignsArb = fc.uniqueArray(
  fc.record({ id: fc.uuid(), commissionBps: fc.integer({ min: 0, max: 5000 }), vatBps: fc.oneof(fc.constant(2000), fc.integer({ min: 0, max: 10_000 })) }),
  { minLength: 1, maxLength: 3, selector: (c) => c.id },
);

function linesFor(campaigns: Campaign[], picks: { campaign: number; amountCents: number; second: number }[]): StatementLine[] {
  return picks.map((p, i) => ({
    id: `r${i}`, number: i + 1, campaignId: campaigns[p.campaign % campaigns.length]!.id, amountCents: p.amountCents,
    createdAt: `2026-11-16T10:${String(Math.floor(p.second / 60)).padStart(2, '0')}:${String(p.second % 60).padStart(2, '0')}.000Z`, code: 'ABCDEFGHJKMNPQRSTUV2',
  }));
}

describe('statement CSV', () => {
  it('columns sum exactly to the stored totals, per campaign and overall (random amounts and rates)', () => {
    fc.assert(
      fc.property(campaignsArb.map((cs) => cs.map((c, i) => ({ ...c, name: `Campagne ${i + 1}` }))), fc.array(fc.record({ campaign: fc.nat(), amountCents: fc.integer({ min: 1, max: 150_000 }), second: fc.integer({ min: 0, max: 3599 }) }), { minLength: 1, maxLength: 80 }), (campaigns, picks) => {
        const lines = linesFor(campaigns, picks);
        const d = documentFor(campaigns, lines);
        const [header, ...rows] = csvRows([...statementCsvLines(fakeDatabase(lines), d)].join(''));
        expect(header).toHaveLength(8);
        const total = rows.pop()!;
        expect(rows).toHaveLength(lines.length);
        const sum = (rs: string[][], i: number) => rs.reduce((s, r) => s + cents(r[i]!), 0);
        const s = d.statement;
        expect([4, 5, 6, 7].map((i) => sum(rows, i))).toEqual([s.grossCents, s.commissionCents, s.vatCents, s.netCents]);
        expect(total.slice(4).map(cents)).toEqual([s.grossCents, s.commissionCents, s.vatCents, s.netCents]);
        for (const c of d.campaigns) {
          const mine = rows.filter((r) => r[3] === c.name);
          expect([sum(mine, 4), sum(mine, 5), sum(mine, 6)]).toEqual([c.grossCents, c.commissionCents, c.vatCents]);
        }
        for (const r of rows) {
          expect(cents(r[5]!)).toBeGreaterThanOrEqual(0);
          expect(cents(r[4]!) - cents(r[5]!) - cents(r[6]!)).toBe(cents(r[7]!));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads past the first page of 1 000 redemptions, in (time, number) order', () => {
    const campaigns = [{ id: 'c1', name: 'Seine', commissionBps: 300, vatBps: 2000 }, { id: 'c2', name: 'Noël', commissionBps: 250, vatBps: 2000 }];
    const lines = linesFor(campaigns, Array.from({ length: 2_500 }, (_, i) => ({ campaign: i % 7 === 0 ? 1 : 0, amountCents: 17 + (i % 13), second: Math.floor(i / 3) % 3600 })));
    const rows = csvRows([...statementCsvLines(fakeDatabase(lines), documentFor(campaigns, lines))].join('')).slice(1, -1);
    expect(rows.map((r) => Number(r[0]))).toEqual(lines.map((l) => l.number));
    expect(rows[0]![1]).toBe('2026-11-16 11:00:00'); // Paris time (UTC+1 in November)
    expect(rows[0]![2]).toBe('…-TUV2'); // the last group of the code only
  });

  it('writes a one-cent line that crosses a rounding step with a net of −0,01 as a number, not as text', () => {
    const campaigns = [{ id: 'c1', name: 'Seine', commissionBps: 3370, vatBps: 2000 }];
    const lines = linesFor(campaigns, [{ campaign: 0, amountCents: 1479_00, second: 0 }, { campaign: 0, amountCents: 1, second: 1 }]);
    const csv = [...statementCsvLines(fakeDatabase(lines), documentFor(campaigns, lines))].join('');
    expect(csv).toContain('"2";"2026-11-16 11:00:01";"…-TUV2";"Seine";"0,01";"0,01";"0,01";"-0,01"\r\n');
  });

  it('adds the expired vouchers’ share paid to the shop as its own row, in the net column only', () => {
    const campaigns = [{ id: 'c1', name: 'Seine', commissionBps: 300, vatBps: 2000 }];
    const lines = linesFor(campaigns, [{ campaign: 0, amountCents: 10_00, second: 0 }]);
    const d = documentFor(campaigns, lines);
    d.statement = { ...d.statement, breakageCents: 4_56, netCents: d.statement.netCents + 4_56 };
    const rows = csvRows([...statementCsvLines(fakeDatabase(lines), d)].join(''));
    expect(rows.slice(-2)).toEqual([
      ['Part des bons expirés reversée', '', '', '', '', '', '', '4,56'],
      ['Total\u00A0: 1 opération', '', '', '', '10,00', '0,30', '0,06', '14,20'],
    ]);
    // Our label is typeset (no-break space before « : »); amounts stay plain for spreadsheets.
    for (const cell of rows.flat().slice(8)) if (/\d$/.test(cell) && !cell.startsWith('Total')) expect(cell).toMatch(/^[-0-9,":. …A-Z]+$/);
  });

  it('refuses to finish a file whose lines do not reach the stored totals', () => {
    const campaigns = [{ id: 'c1', name: 'Seine', commissionBps: 300, vatBps: 2000 }];
    const lines = linesFor(campaigns, [{ campaign: 0, amountCents: 50, second: 0 }, { campaign: 0, amountCents: 50, second: 1 }]);
    const d = documentFor(campaigns, lines);
    d.campaigns[0]!.commissionCents += 1;
    const out: string[] = [];
    expect(() => {
      for (const l of statementCsvLines(fakeDatabase(lines), d)) out.push(l);
    }).toThrow(/do not add up|lines give/);
    expect(out.join('')).not.toContain('Total');
  });
});
