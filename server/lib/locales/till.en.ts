/** The till page's words (English). Same keys as till.fr.ts. */
export const tillEn: Record<string, string> = {
  'till.title': 'Till',
};
