import { describe, expect, it } from 'vitest';
import { ARTICLE_ATTRIBUTES, ARTICLE_TAGS, createHtmlSanitizer } from '../../src/platform/sanitize/html.js';

const SITE = 'http://inkstone.test';
const OK_IMG = `${SITE}/media/a.png`;
const sanitizer = createHtmlSanitizer({ imageOrigins: [SITE, 'https://cdn.example.com/bucket/'] });
const clean = (html: string) => sanitizer.sanitize(html).html;

/**
 * Known XSS payloads (OWASP XSS filter evasion cheat sheet and mutation-XSS classics). The
 * sanitizer must turn each into HTML with no script execution vector; `expectSafe` checks that.
 */
export const XSS_PAYLOADS: string[] = [
  `<script>alert(1)</script>`,
  `<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>`,
  `<img src=x onerror=alert(1)>`,
  `<IMG SRC="javascript:alert('XSS');">`,
  `<IMG SRC=JaVaScRiPt:alert('XSS')>`,
  '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>',
  `<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>`,
  `<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>`,
  `<IMG SRC=# onmouseover="alert('xxs')">`,
  `<IMG onmouseover="alert('xxs')">`,
  `<img src=x:alert(alt) onerror=eval(src) alt=0>`,
  `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
  `<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>`,
  `<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
  `<IMG SRC="jav\tascript:alert('XSS');">`,
  `<IMG SRC="jav&#x09;ascript:alert('XSS');">`,
  `<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
  `<IMG SRC=" &#14;  javascript:alert('XSS');">`,
  `<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>`,
  '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
  `<<SCRIPT>alert("XSS");//\\<</SCRIPT>`,
  `<SCRIPT SRC=http://xss.rocks/xss.js?< B >`,
  `<iframe src=http://xss.rocks/scriptlet.html <`,
  `</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
  `<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
  `<BODY BACKGROUND="javascript:alert('XSS')">`,
  `<svg/onload=alert('XSS')>`,
  `<svg><script>alert(1)</script></svg>`,
  `<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`,
  `<math href="javascript:javascript:alert(1)">CLICKME</math>`,
  `<math><maction actiontype="statusline#http://x" xlink:href="javascript:alert(1)">CLICKME</maction></math>`,
  `<a href="javascript:alert(1)">x</a>`,
  `<a href="JaVaScRiPt:alert(1)">x</a>`,
  `<a href="java&#x09;script:alert(1)">x</a>`,
  `<a href="jav&#x0D;ascript:alert(1)">x</a>`,
  `<a href="&#x6A;avascript:alert(1)">x</a>`,
  `<a href="javascript&colon;alert(1)">x</a>`,
  `<a href="  javascript:alert(1)">x</a>`,
  `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
  `<a href="vbscript:msgbox(1)">x</a>`,
  `<a href="//evil.example/x">x</a>`,
  `<iframe src="javascript:alert(1)"></iframe>`,
  `<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
  `<object data="javascript:alert(1)"></object>`,
  `<embed src="javascript:alert(1)">`,
  `<STYLE>@import'http://xss.rocks/xss.css';</STYLE>`,
  `<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
  `<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
  `<DIV STYLE="background-image: url(javascript:alert('XSS'))">x</DIV>`,
  `<DIV STYLE="width: expression(alert('XSS'));">x</DIV>`,
  `<p style="color: red; behavior: url(xss.htc)">x</p>`,
  `<span style="color:expression(alert(1))">x</span>`,
  `<TABLE BACKGROUND="javascript:alert('XSS')"><TD BACKGROUND="javascript:alert('XSS')">x</TD></TABLE>`,
  `<BASE HREF="javascript:alert('XSS');//">`,
  `<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>`,
  `<details open ontoggle=alert(1)>`,
  `<video><source onerror="alert(1)"></video>`,
  `<audio src=x onerror=alert(1)>`,
  `<marquee onstart=alert(1)>`,
  `"><img src=x onerror=alert(1)>`,
  `'><script>alert(1)</script>`,
  `<a href="https://ok.example/" title="x" onmouseover="alert(1)">x</a>`,
  `<a title='"><script>alert(1)</script>' href="https://ok.example/">x</a>`,
  `<img src="${OK_IMG}" alt='" onerror="alert(1)'>`,
  `<img src="${OK_IMG}" onerror="alert(1)" style="x:expression(alert(1))">`,
  `<p>unclosed <b onmouseover=alert(1)>bold`,
  `<div><p><span onclick=alert(1)>nested</div></p>`,
  `<!--<script>alert(1)</script>-->`,
  `<![CDATA[<script>alert(1)</script>]]>`,
  `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
  `<template><script>alert(1)</script></template>`,
  `<x onclick=alert(1)>click</x>`,
  `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
  `<xmp><img src=x onerror=alert(1)></xmp>`,
  `<select><option><img src=x onerror=alert(1)></option></select>`,
  `<textarea><script>alert(1)</script></textarea>`,
  `<isindex type=image src=1 onerror=alert(1)>`,
  `<img src="${SITE}/x.png"/onerror=alert(1)>`,
  `<p onclick="alert(1)" id="x" class="y">p</p>`,
  `<scr<script>ipt>alert(1)</scr</script>ipt>`,
  `<a href="https://ok.example/&quot;onclick=&quot;alert(1)">x</a>`,
  `<img src="${OK_IMG}?&quot;onerror=&quot;alert(1)">`,
  `<table><tr><td onmouseover="alert(1)" colspan="2">x</td></tr></table>`,
  `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`,
];

const ALLOWED_TAGS = new Set<string>(ARTICLE_TAGS);
const DANGEROUS_STYLE = /url\(|expression|javascript:|behavior|@import|\\/i;

/** Decodes the entities sanitize-html writes in attribute values. */
const decode = (value: string) =>
  value.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (e) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" })[e]!,
  );

/**
 * Fails unless `html` could only be inert markup: every `<` opens or closes an allowlisted tag
 * with allowlisted, double-quoted attributes; no event handler; links are http(s)/mailto; images
 * come from an allowed origin; styles are the small allowlist without url()/expression.
 */
function expectSafe(html: string, payload: string): void {
  const where = `payload ${JSON.stringify(payload)} → ${JSON.stringify(html)}`;
  const tag = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="[^"<>]*")*)\s*(\/?)>/g;
  let rest = '';
  let last = 0;
  for (const m of html.matchAll(tag)) {
    rest += html.slice(last, m.index);
    last = m.index + m[0].length;
    const name = m[2]!;
    expect(ALLOWED_TAGS.has(name), `tag <${name}> in ${where}`).toBe(true);
    for (const attr of m[3]!.matchAll(/([a-z][a-z0-9-]*)="([^"]*)"/g)) {
      const [, key, raw] = attr;
      const value = decode(raw!);
      expect(key!.startsWith('on'), `event handler ${key} in ${where}`).toBe(false);
      expect([...(ARTICLE_ATTRIBUTES[name] ?? [])].includes(key!), `attribute ${key} on <${name}> in ${where}`).toBe(
        true,
      );
      if (key === 'href') expect(value, where).toMatch(/^(https?:\/\/|mailto:)/i);
      if (key === 'src')
        expect(value.startsWith(`${SITE}/`) || value.startsWith('https://cdn.example.com/bucket/'), where).toBe(true);
      if (key === 'style') expect(DANGEROUS_STYLE.test(value), `style ${value} in ${where}`).toBe(false);
      if (key === 'href' || key === 'src')
        expect(/[\s"'<>`]/.test(value), `unencoded URL ${value} in ${where}`).toBe(false);
    }
  }
  rest += html.slice(last);
  // Outside the tags only text remains, with < escaped: nothing there can open an element.
  expect(rest.includes('<'), `stray < in ${where}`).toBe(false);
  // Cleaning is stable: what we store passes through again unchanged.
  expect(clean(html), `not idempotent: ${where}`).toBe(html);
}

describe('article HTML sanitizer', () => {
  it(`neutralises ${XSS_PAYLOADS.length} known XSS payloads`, () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(40);
    for (const payload of XSS_PAYLOADS) {
      const html = clean(payload);
      expectSafe(html, payload);
      expect(html.toLowerCase(), payload).not.toMatch(
        /<script|<iframe|<object|<embed|<svg|<math|<style|<link|<meta|<form|<base|javascript:|vbscript:|data:/,
      );
    }
  });

  it('is just as safe inside a real article', () => {
    for (const payload of XSS_PAYLOADS) {
      const html = clean(`<h2>标题</h2><p>前文 ${payload} 后文</p><blockquote>引用</blockquote>`);
      expectSafe(html, payload);
    }
  });

  it('keeps ordinary article markup', () => {
    const input =
      '<h1>Title</h1><p style="text-align: center">Centred <strong>bold</strong> <em>em</em> <u>u</u> <s>s</s></p>' +
      '<blockquote>quote</blockquote><pre><code>let x = 1 &lt; 2;</code></pre><ul><li>one</li></ul><ol start="3"><li>three</li></ol>' +
      '<table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td rowspan="1">c</td></tr></tbody></table>' +
      '<p><span style="color: #ff0000">red</span><br /></p>';
    expect(clean(input)).toBe(
      input.replace('text-align: center', 'text-align:center').replace('color: #ff0000', 'color:#ff0000'),
    );
  });

  it('adds rel="noopener noreferrer nofollow" to links and keeps only http, https and mailto', () => {
    expect(clean('<a href="https://example.com/a?b=1&c=2" title="t" rel="opener" target="_blank">x</a>')).toBe(
      '<a rel="noopener noreferrer nofollow" href="https://example.com/a?b=1&amp;c=2" title="t">x</a>',
    );
    expect(clean('<a href="mailto:me@example.com">m</a>')).toBe(
      '<a rel="noopener noreferrer nofollow" href="mailto:me@example.com">m</a>',
    );
    expect(clean('<a href="/relative">r</a><a href="ftp://x/">f</a>')).toBe(
      '<a rel="noopener noreferrer nofollow">r</a><a rel="noopener noreferrer nofollow">f</a>',
    );
  });

  it('keeps images from allowed origins only and lists them in order', () => {
    const result = sanitizer.sanitize(
      `<p><img src="${OK_IMG}" alt="a" width="300" height="50%" onload="x"><img src="https://evil.example/x.png">` +
        `<img src="https://cdn.example.com/bucket/b.jpg"><img src="https://cdn.example.com/other/c.jpg">` +
        `<img src="https://cdn.example.com.evil.example/bucket/d.jpg"><img src="http://user:pw@inkstone.test/e.png"><img width="1e9" src="${SITE}/f.png"></p>`,
    );
    expect(result.images).toEqual([OK_IMG, 'https://cdn.example.com/bucket/b.jpg', `${SITE}/f.png`]);
    expect(result.html).toBe(
      `<p><img src="${OK_IMG}" alt="a" width="300" height="50%" /><img src="https://cdn.example.com/bucket/b.jpg" /><img src="${SITE}/f.png" /></p>`,
    );
  });

  it('tells empty content apart and extracts the text for the word filter', () => {
    for (const empty of [
      '',
      '<p></p>',
      '   ',
      '<p> &nbsp; <br></p>',
      '<div><p></p><p>\u3000</p></div>',
      '<script>x</script>',
      '<img src="https://evil.example/x.png">',
    ]) {
      expect(sanitizer.sanitize(empty).empty, empty).toBe(true);
    }
    expect(sanitizer.sanitize(`<p><img src="${OK_IMG}"></p>`).empty).toBe(false);
    const { text, empty } = sanitizer.sanitize('<p>敏<b>感</b>词</p><p>a &amp; b &lt; c</p>');
    expect(empty).toBe(false);
    expect(text).toBe('敏感词\na & b < c\n');
  });

  it('refuses HTML that is too long after cleaning', () => {
    const small = createHtmlSanitizer({ imageOrigins: [], maxLength: 20 });
    expect(() => small.sanitize(`<p>${'x'.repeat(30)}</p>`)).toThrow(RangeError);
    expect(small.sanitize('<p>short</p>').html).toBe('<p>short</p>');
  });

  it('validates cover image URLs against the same origins', () => {
    expect(sanitizer.imageUrl(OK_IMG)).toBe(OK_IMG);
    expect(sanitizer.imageUrl('https://evil.example/a.png')).toBeNull();
    expect(sanitizer.imageUrl('javascript:alert(1)')).toBeNull();
    expect(sanitizer.imageUrl('/media/a.png')).toBeNull();
  });
});
