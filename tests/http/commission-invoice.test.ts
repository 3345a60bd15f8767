import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { parisDate } from '../../server/lib/paris-time';
import { rowOf, rowsOf } from '../support/backend-query';
import { buyVouchersOn } from '../support/builders';
import { popplerAvailable } from '../support/poppler';
import { merchantIdOn, settle as settleOn, take as takeOn } from '../support/settlement';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * The commission invoice the operator issues to a shop names the shop (the buyer) with its
 * SIRET, as a new user meets it: a demo shop, its first settlement, the invoice downloaded
 * from its area. The SIRET is the one the shop had when invoiced: a later change does not
 * rewrite an issued invoice.
 */
const hasPoppler = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)

const T0 = new Date('2026-11-16T09:00:00Z');
const clock = fixedClock(T0);
const SHOP = 'bijouterie-falaise';
const OWNER = 'bijouterie@demo.bons-locaux.fr';

describe.runIf(hasPoppler)('the commission invoice to a shop (HTTP)', () => {
  let app: TestApp;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'commission-invoice-'));
    app = await startTestApp({ clock });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const invoiceText = async (client: FormClient, statementId: string, name: string) => {
    const res = await client.request(`/commercant/releves/${statementId}/facture.pdf`);
    expect(res.status).toBe(200);
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return execFileSync('pdftotext', ['-layout', file, '-']).toString().replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');
  };

  it('names the shop with the SIRET it had when invoiced', async () => {
    const shop = await merchantIdOn(app, SHOP);
    const { siret } = (await rowOf<{ siret: string | null }>(app, 'SELECT siret FROM merchants WHERE id = @shop', { shop }))!;
    expect(siret, 'demo shops have a SIRET').toMatch(/^\d{14}$/);
    const [voucher] = await buyVouchersOn(app, { amountCents: 50_00 });
    await takeOn(app, shop, voucher!.code, 20_00);
    clock.set(new Date(T0.getTime() + 31 * 60_000)); // past the void window
    const run = await settleOn(app, parisDate(clock.now()));
    const statement = (await rowOf<{ id: string; invoice: string }>(app, 'SELECT id, invoice_number AS invoice FROM statements WHERE batch_id = @batch AND merchant_id = @shop', { batch: run.batch!.id, shop }))!;

    const owner = new FormClient(app.url);
    const login = await owner.get('/connexion');
    expect((await owner.post('/connexion', { email: OWNER, password: DEMO_PASSWORD, next: '/commercant' }, login.html)).res.status).toBe(303);
    const issued = await invoiceText(owner, statement.id, 'issued');
    for (const mention of [statement.invoice, 'FACTURE', 'Bijouterie Falaise', `SIRET ${siret}`]) expect(issued, mention).toContain(mention);

    // The shop moves and registers a new establishment: the invoice already issued keeps its buyer.
    await rowsOf(app, `UPDATE merchants SET siret = '44306184100047' WHERE id = @shop`, { shop });
    const later = await invoiceText(owner, statement.id, 'later');
    expect(later).toContain(`SIRET ${siret}`);
    expect(later).not.toContain('44306184100047');
  }, 60_000);
});
