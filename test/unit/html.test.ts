/** The reader site's HTML builder: what is escaped, what passes as markup, and JSON-LD that cannot end its script. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, jsonForScript, trustedHtml } from '../../src/platform/web/html.js';

describe('html', () => {
  it('escapes every interpolated string, in text and in attributes', () => {
    const evil = `<img src=x onerror="alert('1')">&`;
    // prettier-ignore
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</p>',
    );
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
  });

  it('nests fragments and lists as markup, drops null, undefined and booleans, prints numbers and bigints', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    // prettier-ignore
    const out = html`<ul>${items}</ul>${null}${undefined}${false}${true}${3}${12345678901234567890n}`.value;
    expect(out).toBe('<ul><li>a&lt;</li><li>b</li></ul>312345678901234567890');
  });

  it('passes sanitized markup only through trustedHtml', () => {
    // prettier-ignore
    expect(html`<div>${trustedHtml('<p>ok</p>')}</div>`.value).toBe('<div><p>ok</p></div>');
    expect(html`<div>${'<p>ok</p>'}</div>`.value).toBe('<div>&lt;p&gt;ok&lt;/p&gt;</div>');
  });

  it('writes JSON-LD that no value can break out of', () => {
    const out = jsonForScript({
      headline: '</script><script>alert(1)</script>',
      id: 2n ** 63n - 1n,
      sep: '\u2028',
    }).value;
    expect(out).not.toContain('</script');
    expect(JSON.parse(out)).toEqual({
      headline: '</script><script>alert(1)</script>',
      id: '9223372036854775807',
      sep: '\u2028',
    });
  });
});
