/**
 * WCAG 2.1 contrast (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio): the ratio of the
 * relative luminances of two sRGB colours, from 1:1 to 21:1. Text of normal size needs
 * 4.5:1 (success criterion 1.4.3, RGAA 3.2).
 */
export const MIN_TEXT_CONTRAST = 4.5;

const HEX = /^#[0-9a-f]{6}$/;
export const isHexColour = (x: unknown): x is string => typeof x === 'string' && HEX.test(x);

/** Relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** (L1 + 0.05) / (L2 + 0.05), the lighter colour over the darker. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
