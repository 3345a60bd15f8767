/** English texts of the sheets module (merged into the main dictionary by server/lib/i18n.ts). */
export const sheetsEn: Record<string, string> = {
};
