import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fecFileName } from '../../server/reports/fec-file';
import { frenchLabel } from '../../server/reports/fec-labels';
import { encodeLatin9, toLatin9Text } from '../../server/lib/latin9';
import { journalCodeOf, journalTitle } from '../../server/domain/ledger/journal-codes';

const MIGRATION = join(__dirname, '../../db/migrations/0011_fec_entry_numbers.sql');

describe('migration 0011: numbers for the journals posted before it', () => {
  it('numbers each accounting journal in posting order (created_at, id), sets the counters, then refuses unnumbered or renumbered journals', () => {
    const db = new Database(':memory:');
    // The journals table as 0000_init.sql created it.
    db.exec('CREATE TABLE `journals` (`id` text PRIMARY KEY NOT NULL, `kind` text NOT NULL, `description` text NOT NULL, `order_id` text, `created_at` text NOT NULL)');
    const insert = db.prepare(`INSERT INTO journals (id, kind, description, created_at) VALUES (?, ?, 'x', ?)`);
    // Inserted out of date order: the numbering follows the dates, not the insertion.
    insert.run('j3', 'redemption', '2026-01-03T10:00:00.000Z');
    insert.run('j1', 'voucher_sale', '2026-01-01T10:00:00.000Z');
    insert.run('j2', 'redemption', '2026-01-02T10:00:00.000Z');
    insert.run('j4b', 'redemption_void', '2026-01-04T10:00:00.000Z');
    insert.run('j4a', 'redemption', '2026-01-04T10:00:00.000Z'); // same instant: by id
    insert.run('j5', 'voucher_expiry', '2026-01-05T10:00:00.000Z');
    insert.run('j6', 'order_refund', '2026-01-06T10:00:00.000Z');
    insert.run('j7', 'settlement', '2026-01-07T10:00:00.000Z');
    for (const statement of readFileSync(MIGRATION, 'utf8').split('--> statement-breakpoint')) db.exec(statement);

    const rows = db.prepare(`SELECT id, journal_code AS code, entry_number AS n FROM journals ORDER BY journal_code, entry_number`).all();
    expect(rows).toEqual([
      { id: 'j2', code: 'EN', n: 1 }, { id: 'j3', code: 'EN', n: 2 }, { id: 'j4a', code: 'EN', n: 3 }, { id: 'j4b', code: 'EN', n: 4 },
      { id: 'j5', code: 'OD', n: 1 }, { id: 'j6', code: 'OD', n: 2 },
      { id: 'j7', code: 'RG', n: 1 },
      { id: 'j1', code: 'VT', n: 1 },
    ]);
    expect(db.prepare(`SELECT journal_code, last_number FROM journal_counters ORDER BY journal_code`).raw().all()).toEqual([['EN', 4], ['OD', 2], ['RG', 1], ['VT', 1]]);
    // Its CASE is the mapping of journal-codes.ts.
    for (const r of rows as { id: string; code: string }[]) {
      const kind = (db.prepare(`SELECT kind FROM journals WHERE id = ?`).pluck().get(r.id) as string);
      expect(journalCodeOf(kind), kind).toBe(r.code);
    }
    expect(() => insert.run('j8', 'redemption', '2026-01-08T10:00:00.000Z')).toThrow(/entry_number must come from journal_counters/);
    expect(() => db.prepare(`UPDATE journals SET journal_code = 'OD' WHERE id = 'j1'`).run()).toThrow(/never change/);
    expect(() => db.prepare(`INSERT INTO journals (id, kind, description, created_at, journal_code, entry_number) VALUES ('j9', 'redemption', 'x', 'y', 'EN', 4)`).run()).toThrow(/UNIQUE/);
  });
});

describe('journal codes', () => {
  it('maps kinds to journals and titles them in French, unknown kinds to OD', () => {
    expect(journalCodeOf('redemption')).toBe('EN');
    expect(journalCodeOf('constructor')).toBe('OD');
    expect(journalTitle('EN')).toBe('Encaissements en commerce');
    expect(journalTitle('constructor')).toBe('Opérations diverses');
  });
});

describe('ISO 8859-15 encoding', () => {
  it('writes Latin-1 letters and the eight Latin-9 code points as single bytes', () => {
    expect([...encodeLatin9('é€ŠšŽžŒœŸ')]).toEqual([0xe9, 0xa4, 0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe]);
    expect(encodeLatin9('Café à 12,50 €').toString('latin1')).toBe('Café à 12,50 \xa4');
  });

  it('transliterates what Latin-9 cannot carry', () => {
    expect(toLatin9Text('l’épée « x » – “y” …')).toBe("l'épée « x » - \"y\" ...");
    expect(toLatin9Text('Łódź ǅ ﬁ ā')).toBe('Lódz Dž fi a');
    expect(toLatin9Text('¤ ¦ ¨ ´ ¸ ¼ ½ ¾')).toBe('? | " \' , 1/4 1/2 3/4');
    expect(toLatin9Text('東京書店 🎁')).toBe('???? ?');
    for (const b of encodeLatin9('東京 Ελληνικό 🎁 – ½')) expect(b >= 0x20 && (b < 0x7f || b >= 0xa0)).toBe(true);
  });
});

describe('FEC file name', () => {
  it('is <SIREN>FEC<AAAAMMJJ>.txt, and refuses to name a file without a SIREN', () => {
    expect(fecFileName('732829320', '2026-12-31')).toBe('732829320FEC20261231.txt');
    for (const siren of [undefined, '', '73282932', '73282932000074']) {
      expect(() => fecFileName(siren, '2026-12-31')).toThrow(expect.objectContaining({ code: 'FEC_SIREN_MISSING', status: 409 }));
    }
  });
});

describe('French labels', () => {
  it('puts each kind of entry into French, with its references', () => {
    expect(frenchLabel('voucher_sale', 'Order CMD-1 paid (stripe cs_1)', 5000)).toBe('Vente de bons, commande CMD-1 payée (stripe cs_1)');
    expect(frenchLabel('voucher_sale', 'Order CMD-1 paid by transfer', 5000)).toBe('Vente de bons, commande CMD-1 payée par virement');
    expect(frenchLabel('bank_transfer_received', 'Transfer for order CMD-1 (bank VIR-9)', 5000)).toBe('Virement reçu pour la commande CMD-1 (bank VIR-9)');
    expect(frenchLabel('payment_suspense', 'Unmatched payment for order CMD-1 (stripe pi_1)', 1)).toBe('Paiement à identifier, commande CMD-1 (stripe pi_1)');
    expect(frenchLabel('order_refund', 'Refund of order CMD-1 (stripe re_1)', 1)).toBe('Remboursement de la commande CMD-1 (stripe re_1)');
    expect(frenchLabel('redemption', 'Redemption 01H of voucher ABCD…', 1234)).toBe('Encaissement de 12,34 € sur le bon ABCD… (01H)');
    expect(frenchLabel('redemption_void', 'Void of redemption 42', 777)).toBe("Annulation de l'encaissement n° 42 (7,77 €)");
    expect(frenchLabel('settlement', 'Statement REL-1 (RGL-2026-0001)', 1)).toBe('Relevé REL-1 (RGL-2026-0001)');
    expect(frenchLabel('settlement_payout', 'Payout of REL-1 (SEPA)', 1)).toBe('Versement du relevé REL-1 (virement SEPA)');
    expect(frenchLabel('settlement_payout', 'Payout of REL-1 (tr_1)', 1)).toBe('Versement du relevé REL-1 (transfert tr_1)');
    expect(frenchLabel('settlement_payout_reversal', 'Stripe transfer tr_1 of REL-1 reversed', 1)).toBe('Annulation du transfert Stripe tr_1 du relevé REL-1 (0,01 €)');
    expect(frenchLabel('settlement_payout_reversal', 'Stripe transfer tr_1 of REL-1 reversed (250 of 1000 cents)', 250)).toBe('Annulation du transfert Stripe tr_1 du relevé REL-1 (2,50 €)');
    expect(frenchLabel('order_refund_failed', 'Refund re_9 failed after it was booked', 500)).toBe('Remboursement re_9 échoué après comptabilisation, fonds à identifier');
    expect(frenchLabel('voucher_expiry', 'Breakage: 3 expired voucher(s) of noel', 4500)).toBe('Bons expirés : 3 bons de la campagne noel, 45,00 €');
    expect(frenchLabel('voucher_expiry', 'Breakage: 1 expired voucher(s) of noel', 1500)).toBe('Bons expirés : 1 bon de la campagne noel, 15,00 €');
    expect(frenchLabel('voucher_reissue', 'Voucher AAAA reissued as BBBB', 1)).toBe('Bon AAAA remplacé par le bon BBBB');
    expect(frenchLabel('voucher_adjustment', 'Support adjustment of voucher AAAA', 1)).toBe('Ajustement du bon AAAA par le support');
  });

  it('falls back to the kind in French, never to the English description', () => {
    expect(frenchLabel('redemption', 'Something new', 1)).toBe('Encaissement de bon en commerce');
    expect(frenchLabel('gift_aid', 'Gift aid claimed', 1)).toBe('Opération diverse');
    expect(frenchLabel('constructor', 'x', 1)).toBe('Opération diverse');
  });
});
