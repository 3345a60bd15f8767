/** French texts of the invoice module (merged into the main dictionary by server/lib/i18n.ts). */
export const invoiceFr: Record<string, string> = {
};
