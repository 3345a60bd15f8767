/** English texts of the bulk module (merged into the main dictionary by server/lib/i18n.ts). */
export const bulkEn: Record<string, string> = {
};
