import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from '../support/browser';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const MAIL_DIR = join(__dirname, '../../views/mail');

/** Every `t.key` a template reads, filled with a sentence of ordinary length. */
function sampleView(source: string) {
  const t: Record<string, string> = {};
  for (const m of source.matchAll(/t\.([a-z_]+)/g)) t[m[1]!] = `Texte de ${m[1]!.replace(/_/g, ' ')} pour une phrase ordinaire du message`;
  const url = 'http://localhost:3000/v/7K3MQ9XW2H4TP8RN';
  return {
    t,
    campaign: 'Chèques cadeaux Seine Estuaire',
    operator: 'CCI Seine Estuaire',
    demo: true,
    amount: '50,00 €',
    balance: '50,00 €',
    total: '1 250,00 €',
    code: '7K3MQ9XW2H4TP8RN',
    url,
    pageUrl: url,
    orderUrl: 'http://localhost:3000/commandes/ORG-2026-000123?jeton=c9b1d2a8f7e6d5c4b3a29180f7e6d5c4',
    proformaUrl: 'http://localhost:3000/commandes/ORG-2026-000123/proforma.pdf?jeton=c9b1d2a8f7e6d5c4b3a29180f7e6d5c4',
    linkFormUrl: 'http://localhost:3000/commandes/ORG-2026-000123/beneficiaires?jeton=c9b1d2a8f7e6d5c4b3a29180f7e6d5c4',
    shopsUrl: 'http://localhost:3000/campagnes/seine-estuaire#commerces',
    recipient: 'Zoé Martin-Lefebvre',
    giftFor: 'Zoé Martin-Lefebvre',
    message: 'Joyeux anniversaire ! Profite bien de ce bon chez les commerçants du quartier.',
    event: 'Anniversaire',
    emailed: true,
    paper: true,
    proforma: true,
    transfer: { beneficiary: 'CCI Seine Estuaire', iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'AGRIFRPPXXX', reference: 'ORG-2026-000123' },
    vouchers: [1, 2, 3].map(() => ({ amount: '50,00 €', recipient: 'Zoé Martin-Lefebvre', code: '7K3MQ9XW2H4TP8RN', url })),
  };
}

/**
 * Issue 15, item 4: the voucher and order emails were fixed at 560 px, so a phone's mail
 * app showed them zoomed out or scrolled sideways. Each HTML template, filled with ordinary
 * content, is laid out by Chromium at 320 px: nothing may be wider than the screen.
 */
describe.runIf(hasBrowser)('HTML emails on a 320 px phone (Chromium)', () => {
  let launched: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    launched = await launchChromium();
  });
  afterAll(() => launched?.close());

  const templates = readdirSync(MAIL_DIR).filter((f) => f.endsWith('.html.hbs'));
  it.each(templates)('%s fits the screen', async (file) => {
    const source = readFileSync(join(MAIL_DIR, file), 'utf8');
    const html = Handlebars.compile(source)(sampleView(source));
    const page = await launched.browser.newPage({ viewport: { width: 320, height: 640 } });
    try {
      await page.setContent(html);
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        widest: Math.max(...[...document.querySelectorAll('table, td, a, p')].map((e) => e.getBoundingClientRect().right)),
      }));
      expect(widths.scroll, file).toBeLessThanOrEqual(320);
      expect(widths.widest, file).toBeLessThanOrEqual(320);
      // A phone's mail app lays the message out at its own width only when told to.
      expect(html).toMatch(/<meta name="viewport" content="width=device-width/);
    } finally {
      await page.close();
    }
  }, 30_000);
});
