/**
 * For XML text nodes and attribute values: attributes are always double-quoted, so "'"
 * needs no escaping. Callers that restrict their texts (the SEPA set) still go through it,
 * so a value that bypassed the restriction cannot break the document.
 */
export const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
