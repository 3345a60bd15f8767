import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dictionaries, negotiateLocale, translate, translateForPage } from '../../server/lib/i18n';
import { frenchSpaces } from '../../server/lib/typography';

const { fr, en } = dictionaries;
/** Every namespace the dictionaries use: a quoted 'namespace.key' in the code must exist. */
const namespaces = [...new Set(Object.keys(fr).map((k) => k.split('.')[0]!))].join('|');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

describe('i18n', () => {
  it('has the same keys in French and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
  });

  it('defines every key the views and the code use', () => {
    const used = new Set<string>();
    for (const f of files('views', /\.hbs$/)) for (const m of readFileSync(f, 'utf8').matchAll(/\{\{t "([\w.]+)"/g)) used.add(m[1]!);
    for (const f of files('server', /\.ts$/).filter((p) => !p.includes('payments'))) for (const m of readFileSync(f, 'utf8').matchAll(new RegExp(`'((?:${namespaces})\\.[\\w.]+)'`, 'g'))) used.add(m[1]!);
    const missing = [...used].filter((k) => !(k in fr) && !(`${k}.other` in fr) && !k.endsWith('.'));
    expect(missing).toEqual([]);
  });

  it('fills parameters, including money from …Cents parameters', () => {
    expect(translate('en', 'errors.too_many_vouchers', { max: 50 })).toBe('An order holds at most 50 vouchers.');
    expect(translate('en', 'errors.order_too_large', { maxCents: 150000 })).toBe('An order cannot exceed €1,500.00.');
  });

  it('writes no « (s) » plural: counts choose their form by Intl.PluralRules', () => {
    for (const dict of [fr, en]) expect(Object.entries(dict).filter(([, text]) => /\w\((?:s|e|es|x)\)/.test(text)).map(([k]) => k)).toEqual([]);
    // The files themselves (a text no dictionary merges yet), the views and the books' French labels.
    const sources = [...files('server/lib/locales', /\.ts$/), ...files('views', /\.hbs$/), 'server/reports/fec-labels.ts'];
    const found = sources.flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ at: `${f}:${i + 1}`, line })))
      .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*)/.test(line) && /\w\((?:s|e|es|x)\)/.test(line));
    expect(found.map((x) => x.at)).toEqual([]);
    // French: 0 and 1 are singular; English: only 1 is.
    expect(translate('fr', 'dashboard.operations', { count: 0 })).toBe('0 opération');
    expect(translate('fr', 'dashboard.operations', { count: 1 })).toBe('1 opération');
    expect(translate('fr', 'dashboard.operations', { count: 2 })).toBe('2 opérations');
    expect(translate('en', 'dashboard.operations', { count: 0 })).toBe('0 operations');
    expect(translate('en', 'dashboard.operations', { count: 1 })).toBe('1 operation');
    expect(translate('fr', 'mail.org.paid_subject', { reference: 'C-1', count: 1 })).toMatch(/1 bon émis$/);
    expect(translate('fr', 'mail.org.paid_subject', { reference: 'C-1', count: 12 })).toMatch(/12 bons émis$/);
    expect(translate('en', 'statements.total_count', { count: 1 })).toBe('Total: 1 redemption');
    // Counted texts that read « 1 commerces », « 1 bons » before (issue 15).
    expect(translate('fr', 'campaign.shops', { count: 1 })).toBe('1 commerce partenaire');
    expect(translate('en', 'campaign.shops', { count: 3 })).toBe('3 partner shops');
    expect(translate('fr', 'org_form.done.vouchers', { count: 1 })).toBe('1 bon');
    expect(translate('fr', 'statements.invoice_line_detail', { count: 1, gross: '2 €' })).toBe('1 opération, 2 € encaissés');
    expect(translate('fr', 'mail.org.paid_paper', { count: 1 })).toMatch(/^1 bon sans adresse e-mail est/);
    expect(translate('en', 'cadmin.embed.shops', { count: 1 })).toBe('1 participating shop');
    expect(translate('en', 'campaign.validity', { months: 1, count: 1 })).toBe('Valid for 1 month, can be spent in several goes');
    expect(translate('en', 'campaign.validity', { months: 12, count: 12 })).toBe('Valid for 12 months, can be spent in several goes');
    expect(translate('fr', 'privacy.erased_orders', { count: 0 })).toBe('0 commande');
    expect(translate('en', 'privacy.erased_received', { count: 2 })).toBe('2 vouchers received');
  });

  it('gives pages French no-break spaces before « : ; ! ? % » and inside guillemets, English untouched', () => {
    expect(frenchSpaces('Total : 3 ; vraiment ? oui ! 40 % « bon »')).toBe('Total\u00a0: 3\u202f; vraiment\u202f? oui\u202f! 40\u00a0% «\u202fbon\u202f»');
    expect(frenchSpaces('https://example.org/a?b=1 08:00')).toBe('https://example.org/a?b=1 08:00');
    expect(translateForPage('fr', 'statements.total_count', { count: 2 })).toBe('Total\u00a0: 2 opérations');
    expect(translateForPage('en', 'statements.total_count', { count: 2 })).toBe('Total: 2 redemptions');
    // Parameters (names, messages typed by people) are filled in after, as typed.
    expect(translateForPage('fr', 'mail.org.paid_subject', { reference: 'A : B', count: 2 })).toBe('Commande A : B payée\u00a0: 2 bons émis');
  });

  it('negotiates from Accept-Language, French by default', () => {
    expect(negotiateLocale(undefined)).toBe('fr');
    expect(negotiateLocale('en-GB,en;q=0.9')).toBe('en');
    expect(negotiateLocale('de-DE,en;q=0.5,fr;q=0.8')).toBe('fr');
    expect(negotiateLocale('de, es')).toBe('fr');
    expect(negotiateLocale('en;q=0')).toBe('fr');
  });
});
