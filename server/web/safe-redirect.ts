/**
 * A redirect target taken from a query or form field: only a path on this site
 * ("/x", not "//evil.example" nor a full URL), else `fallback` — no open redirect.
 */
export function localPath(p: unknown, fallback = '/'): string {
  return typeof p === 'string' && /^\/(?!\/)[^\\]*$/.test(p) ? p : fallback;
}
