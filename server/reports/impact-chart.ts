import type { WeekRow } from './impact';

/**
 * The weekly sold / spent chart as an inline SVG string: no chart library, no script, no
 * external call, and no style attribute (the CSP forbids inline styles; SVG presentation
 * attributes such as fill are not styles). Accessible: role="img" named by <title> and
 * described by <desc>; the page shows the same figures in a table for screen readers and
 * for copying. Every text put in the SVG is escaped here (the view inserts it unescaped).
 */
const W = 780;
const H = 260;
const PAD = { left: 70, right: 10, top: 16, bottom: 40 };
const COLORS = { sold: '#1f5fa8', redeemed: '#2f8a4c', grid: '#d7dde5', text: '#4a5565' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A round axis maximum (1, 2 or 5 × 10ⁿ euros) above the largest bar. */
export function niceMax(cents: number): number {
  if (cents <= 0) return 100_00;
  const euros = cents / 100;
  const p = 10 ** Math.floor(Math.log10(euros));
  const m = [1, 2, 5, 10].find((k) => k * p >= euros)!;
  return m * p * 100;
}

export interface ChartLabels {
  title: string;
  desc: string;
  sold: string;
  redeemed: string;
  /** Formats an amount of cents for the axis (whole euros). */
  money: (cents: number) => string;
  /** A week's first day (« 2026-10-26 ») in words for the bars' tooltips; ISO when not given. */
  day?: (isoDay: string) => string;
}

export function weeklyChartSvg(weeks: WeekRow[], l: ChartLabels, id = 'impact-chart'): string {
  const max = niceMax(Math.max(0, ...weeks.flatMap((w) => [w.soldCents, w.redeemedCents])));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, weeks.length);
  const bar = Math.max(1, Math.floor((slot - 4) / 2));
  const y = (c: number) => PAD.top + plotH - (c / max) * plotH;
  const r = (n: number) => Math.round(n * 10) / 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" class="impact-chart" focusable="false">`,
    `<title id="${id}-title">${esc(l.title)}</title>`,
    `<desc id="${id}-desc">${esc(l.desc)}</desc>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${r(y(v))}" y2="${r(y(v))}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${r(y(v) + 4)}" text-anchor="end" font-size="11" fill="${COLORS.text}">${esc(l.money(v))}</text>`);
  }
  weeks.forEach((w, i) => {
    const x = PAD.left + i * slot + 2;
    for (const [k, cents, dx] of [['sold', w.soldCents, 0], ['redeemed', w.redeemedCents, bar]] as const) {
      if (cents <= 0) continue;
      const top = y(cents);
      out.push(`<rect x="${r(x + dx)}" y="${r(top)}" width="${bar}" height="${r(PAD.top + plotH - top)}" fill="${COLORS[k]}"><title>${esc(`${l.day ? l.day(w.week) : w.week} — ${k === 'sold' ? l.sold : l.redeemed} ${l.money(cents)}`)}</title></rect>`);
    }
    // A date under every fourth week keeps the axis readable.
    if (i % 4 === 0) out.push(`<text x="${r(x)}" y="${H - PAD.bottom + 16}" font-size="11" fill="${COLORS.text}">${esc(w.week.slice(8, 10) + '/' + w.week.slice(5, 7))}</text>`);
  });
  const ly = H - 8;
  out.push(`<rect x="${PAD.left}" y="${ly - 9}" width="10" height="10" fill="${COLORS.sold}"/><text x="${PAD.left + 14}" y="${ly}" font-size="12" fill="${COLORS.text}">${esc(l.sold)}</text>`);
  out.push(`<rect x="${PAD.left + 180}" y="${ly - 9}" width="10" height="10" fill="${COLORS.redeemed}"/><text x="${PAD.left + 194}" y="${ly}" font-size="12" fill="${COLORS.text}">${esc(l.redeemed)}</text>`);
  out.push('</svg>');
  return out.join('');
}
