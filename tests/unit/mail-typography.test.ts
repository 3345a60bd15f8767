import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../../db/client';
import { template, texts, type MessageContext } from '../../server/mail/mail-parts';

// Templates read the operator's brand when rendered: an empty database gives the default one.
const database = openDatabase(':memory:', { backgroundCheckpoints: false });
migrateDatabase(database);
afterAll(() => database.close());
const ctx = { viewsDir: join(__dirname, '../../views'), database } as unknown as MessageContext;
const NBSP = '\u00A0';
const NNBSP = '\u202F';

describe('mail texts have the French no-break spaces pages have', () => {
  it('typesets our words before the parameters are filled in, French only', () => {
    const fr = texts('fr', ['mail.org.gift_message', 'mail.org.gift_intro'], { organisation: 'Mairie ! de Fécamp', amount: '20,00 €', campaign: 'Noël' });
    expect(fr.gift_message).toBe(`Son message${NBSP}:`);
    expect(fr.gift_intro).toContain(`«${NNBSP}Noël${NNBSP}»`);
    // A parameter (typed by someone) is left as typed.
    expect(fr.gift_intro).toContain('Mairie ! de Fécamp');
    const en = texts('en', ['mail.org.gift_message'], {});
    expect(en.gift_message).toBe('Their message:');
  });

  it('the text templates write « : » and guillemets by the language, never a breaking space before them', () => {
    const view = (locale: string) => ({
      t: texts(locale, ['mail.hello', 'mail.org.gift_intro', 'mail.org.gift_message', 'mail.voucher_line', 'mail.thanks'], { name: 'Léa', organisation: 'Mairie', amount: '20 €', campaign: 'Noël' }),
      amount: '20 €',
      code: 'ABCD-EFGH',
      url: 'https://bons.example.fr/v/ABCD-EFGH',
      message: 'Joyeux Noël !',
      operator: 'CCI',
    });
    const fr = template(ctx, 'beneficiary-voucher.text')(view('fr'));
    expect(fr).toContain(`Ouvrir le bon${NBSP}: https://bons.example.fr/v/ABCD-EFGH`);
    expect(fr).toContain(`«${NNBSP}Joyeux Noël !${NNBSP}»`);
    // (The typed message keeps its own « ! »; none of our « : ; ? » follows an ordinary space.)
    expect(fr).not.toMatch(/\S [:;?»]/u);
    const en = template(ctx, 'beneficiary-voucher.text')(view('en'));
    expect(en).toContain('Open the voucher: https://bons.example.fr/v/ABCD-EFGH');
    expect(en).toContain('“Joyeux Noël !”');
  });

  it('the order mail’s voucher lines and the transfer details use the colon of the language', () => {
    const order = template(ctx, 'order-vouchers.text')({ t: texts('fr', ['mail.hello'], { name: 'Léa' }), vouchers: [{ amount: '20 €', url: 'https://x/v/1', recipient: 'Paul' }] });
    expect(order).toContain(`- 20 € (Paul)${NBSP}: https://x/v/1`);
    const transfer = template(ctx, 'org-order.text')({ t: texts('en', ['mail.org.amount', 'mail.org.iban'], {}), proforma: true, total: '20 €', transfer: { iban: 'FR76' } });
    expect(transfer).toContain('- Amount: 20 €');
    expect(transfer).toContain('- IBAN: FR76');
  });
});
