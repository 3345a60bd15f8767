import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPlainMarkup } from '../../server/lib/plain-markup';

/** The legal pages' text subset (issue 15, item 1): what the operator types is text, never markup. */
describe('renderPlainMarkup', () => {
  it('renders headings, paragraphs with line breaks, lists, bold and safe links', () => {
    const html = renderPlainMarkup('# Éditeur\nLigne 1\nLigne 2\n\n### Sous-titre\n- un\n- **deux**\n\nVoir [la CNIL](https://www.cnil.fr) ou [écrire](mailto:a@b.example), [appeler](tel:+33235000000), [ici](/confidentialite).');
    expect(html).toBe(
      [
        '<h2>Éditeur</h2>',
        '<p>Ligne 1<br>\nLigne 2</p>',
        '<h3>Sous-titre</h3>',
        '<ul>\n<li>un</li>\n<li><strong>deux</strong></li>\n</ul>',
        '<p>Voir <a href="https://www.cnil.fr">la CNIL</a> ou <a href="mailto:a@b.example">écrire</a>, <a href="tel:+33235000000">appeler</a>, <a href="/confidentialite">ici</a>.</p>',
      ].join('\n'),
    );
  });

  it('keeps other link schemes and protocol-relative links as plain text', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', '//evil.example/x', 'vbscript:x']) {
      const html = renderPlainMarkup(`[x](${url})`);
      expect(html, url).not.toContain('<a ');
    }
  });

  it('escapes HTML typed by the operator, attributes included', () => {
    expect(renderPlainMarkup('<b onclick="x">a</b> & \'q\'')).toBe('<p>&lt;b onclick=&quot;x&quot;&gt;a&lt;/b&gt; &amp; &#39;q&#39;</p>');
    expect(renderPlainMarkup('[a"b](https://x.example/"onmouseover=alert(1))')).not.toMatch(/href="[^"]*"on/);
  });

  it('never produces a tag outside its own few, whatever is typed', () => {
    const alphabet = fc.constantFrom('<', '>', '"', "'", '&', '[', ']', '(', ')', '*', '#', '-', ' ', '\n', 'a', 'h', 't', 'p', 's', ':', '/', 'j', 'v', '=', 'o', 'n');
    const allowed = /^<(\/?(p|br|h2|h3|ul|li|strong)|a href="(https?:\/\/|mailto:|tel:|\/(?!\/))[^"<>]*"|\/a)>$/;
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }).map((cs) => cs.join('')), (typed) => {
        for (const tag of renderPlainMarkup(typed).match(/<[^>]*>/g) ?? []) expect(tag).toMatch(allowed);
      }),
      { numRuns: 2000 },
    );
  });
});
