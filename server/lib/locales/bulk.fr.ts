/** French texts of the bulk module (merged into the main dictionary by server/lib/i18n.ts). */
export const bulkFr: Record<string, string> = {
};
