/** French texts of the sheets module (merged into the main dictionary by server/lib/i18n.ts). */
export const sheetsFr: Record<string, string> = {
};
