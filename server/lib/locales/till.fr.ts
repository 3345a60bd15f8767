/** The till page's words (French). Kept apart from fr.ts so the till can evolve on its own. */
export const tillFr: Record<string, string> = {
  'till.title': 'Caisse',
};
