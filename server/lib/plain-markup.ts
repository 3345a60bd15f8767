/**
 * The small Markdown-like subset the operator writes legal pages in, rendered to HTML.
 * Everything the operator typed is escaped; the only tags ever produced are the ones below,
 * so a page body can never carry a script, a style, an event handler or an iframe.
 *
 *   ## Heading / ### Sub-heading        (a single # is a level-2 heading too: the page owns the h1)
 *   - item                              (consecutive lines: one list)
 *   **bold**
 *   [text](https://…) [text](/path) [text](mailto:…) [text](tel:…)   (other schemes stay plain text)
 *   blank line = new paragraph; a single line break stays a line break
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Link targets allowed: web, mail and phone links and paths on this site (not `//host`, which leaves it). */
const SAFE_URL = /^(https?:\/\/[^\s<>"']+|mailto:[^\s<>"']+|tel:[+0-9 .()-]+|\/(?!\/)[^\s<>"']*)$/i;

const INLINE = /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*/g;

function inline(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[3] !== undefined) out += `<strong>${escapeHtml(m[3])}</strong>`;
    else if (SAFE_URL.test(m[2]!)) out += `<a href="${escapeHtml(m[2]!)}">${escapeHtml(m[1]!)}</a>`;
    else out += escapeHtml(m[0]);
  }
  return out + escapeHtml(text.slice(last));
}

/** HTML for a page body written in the subset above (safe to insert unescaped). */
export function renderPlainMarkup(source: string): string {
  const blocks: string[] = [];
  let paragraph: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push(`<p>${paragraph.map(inline).join('<br>\n')}</p>`);
    if (list.length) blocks.push(`<ul>\n${list.map((i) => `<li>${inline(i)}</li>`).join('\n')}\n</ul>`);
    paragraph = [];
    list = [];
  };
  for (const raw of source.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    const heading = /^(#{1,3})\s+(.+)$/.exec(line);
    const item = /^\s*[-*]\s+(.+)$/.exec(line);
    if (!line.trim()) flush();
    else if (heading) {
      flush();
      const level = heading[1]!.length === 3 ? 3 : 2;
      blocks.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
    } else if (item) {
      if (paragraph.length) flush();
      list.push(item[1]!);
    } else {
      if (list.length) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return blocks.join('\n');
}
