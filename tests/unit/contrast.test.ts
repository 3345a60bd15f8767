import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

// WCAG 2.1 relative luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance).
function luminance(hex: string): number {
  const full = hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join('')}` : hex;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

const css = readFileSync('public/css/app.css', 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b/g)].map((m) => [m[1]!, m[2]!]));
const resolve = (value: string): string => value.trim().replace(/^var\(--([\w-]+)\)$/, (_m, name: string) => vars[name] ?? value);
/** The colour a rule gives its text, resolved through the custom properties. */
function colorOf(selector: string): string {
  const rule = new RegExp(`(?:^|\\n)${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{([^}]*)\\}`).exec(css);
  const color = /(?:^|;)\s*color:\s*([^;]+)/.exec(rule?.[1] ?? '')?.[1];
  if (!color) throw new Error(`no color for ${selector}`);
  return resolve(color);
}

describe('contrast of the small coloured labels (RGAA 3.2, WCAG 1.4.3: at least 4.5:1)', () => {
  it('the orange labels (.eyebrow) read at ≥ 4.5:1 on the page, on cards and on the pale blue panels', () => {
    const orange = colorOf('.eyebrow');
    for (const background of [vars.card!, vars.bg!, '#eef4fa']) expect(contrast(orange, background), `${orange} on ${background}`).toBeGreaterThanOrEqual(4.5);
  });

  it('the light label on the voucher head and the status badges too', () => {
    expect(contrast(colorOf('.voucher-head .eyebrow'), vars.brand!)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(colorOf('.badge-partly_used'), '#fff4d6')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(colorOf('.badge'), '#e6f4ea')).toBeGreaterThanOrEqual(4.5);
  });
});
