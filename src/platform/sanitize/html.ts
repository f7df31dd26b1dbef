/**
 * Article HTML, cleaned on write with sanitize-html (a maintained allowlist sanitizer built on
 * htmlparser2): what is stored is what every endpoint returns, and the app renders it with v-html.
 *
 * Allowlist (everything else is dropped; the text inside an unknown element is kept, the content
 * of script-like elements is not):
 * - text structure: p, br, hr, h1–h6, strong, b, em, i, u, s, strike, del, ins, sub, sup,
 *   blockquote, pre, code, ul, ol[start], li, span, div, figure, figcaption;
 * - tables: table, caption, colgroup[span], col[span], thead, tbody, tfoot, tr, th/td[colspan, rowspan];
 * - a[href, title]: absolute http, https or mailto only, and always rel="noopener noreferrer nofollow";
 * - img[src, alt, width, height]: absolute http(s) URLs under an allowed origin (the site itself,
 *   its storage, and the configured list) only; an image from anywhere else is removed, so an
 *   article never makes readers' browsers fetch from a third party;
 * - style: text-align on blocks, color and background-color (hex or rgb()) on text; nothing else.
 * No script, style, link, meta, base, form, input, iframe, object, embed, svg or math; no event
 * handlers, no class or id, no javascript:, vbscript:, data: or protocol-relative URLs.
 *
 * Links and image sources are checked twice: by our own WHATWG URL parse (which strips the tabs
 * and newlines of `java&#x09;script:` before reading the scheme) and by sanitize-html's scheme
 * allowlist. Stored URLs are the parser's normalised form.
 */
import sanitizeHtml from 'sanitize-html';

export interface HtmlSanitizerOptions {
  /**
   * Where article images may come from: origins (`https://cdn.example.com`) or URL prefixes
   * (`https://bucket.s3.example.com/media/`). An image is kept when its URL has one of these
   * origins (origin entries) or starts with one of these prefixes (entries with a path).
   */
  imageOrigins: readonly string[];
  /** Longest accepted HTML after cleaning, in characters. */
  maxLength?: number;
}

export interface SanitizedHtml {
  /** The cleaned HTML. */
  html: string;
  /** Absolute URLs of the kept images, in document order (automatic covers pick from these). */
  images: string[];
  /** The text without tags (entities decoded): what the sensitive-word filter scans. */
  text: string;
  /** True when there is neither visible text nor an image (`<p></p>`, `<p> <br></p>`…). */
  empty: boolean;
}

export interface HtmlSanitizer {
  sanitize(html: string): SanitizedHtml;
  /** Whether an image URL comes from an allowed origin; returns its normalised form, or null. */
  imageUrl(url: string): string | null;
}

export const ARTICLE_TAGS = [
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'strike',
  'del',
  'ins',
  'sub',
  'sup',
  'blockquote',
  'pre',
  'code',
  'ul',
  'ol',
  'li',
  'span',
  'div',
  'figure',
  'figcaption',
  'a',
  'img',
  'table',
  'caption',
  'colgroup',
  'col',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
] as const;

const BLOCKS_WITH_ALIGN = [
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'div',
  'li',
  'blockquote',
  'td',
  'th',
  'figure',
  'figcaption',
];
const TEXT_WITH_COLOR = ['span', 'p', 'strong', 'em', 'u', 's', 'td', 'th'];

export const ARTICLE_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'width', 'height'],
  ol: ['start'],
  col: ['span'],
  colgroup: ['span'],
  td: ['colspan', 'rowspan', 'style'],
  th: ['colspan', 'rowspan', 'style'],
};
for (const tag of new Set([...BLOCKS_WITH_ALIGN, ...TEXT_WITH_COLOR])) {
  ARTICLE_ATTRIBUTES[tag] = [...new Set([...(ARTICLE_ATTRIBUTES[tag] ?? []), 'style'])];
}

const COLOR = [/^#[0-9a-f]{3,8}$/i, /^rgba?\(\s*\d{1,3}%?\s*(,\s*\d{1,3}%?\s*){2}(,\s*(0|1|0?\.\d+)\s*)?\)$/i];
const ALLOWED_STYLES: Record<string, Record<string, RegExp[]>> = {};
for (const tag of BLOCKS_WITH_ALIGN) ALLOWED_STYLES[tag] = { 'text-align': [/^(left|right|center|justify)$/] };
for (const tag of TEXT_WITH_COLOR)
  ALLOWED_STYLES[tag] = { ...ALLOWED_STYLES[tag], color: COLOR, 'background-color': COLOR };

/** Elements dropped with everything inside them (their text would be code or markup, not prose). */
const DROPPED_WHOLE = [
  'script',
  'style',
  'textarea',
  'option',
  'select',
  'noscript',
  'template',
  'title',
  'xmp',
  'plaintext',
  'iframe',
  'frame',
  'frameset',
  'noembed',
  'noframes',
  'object',
  'embed',
  'applet',
  'svg',
  'math',
  'head',
];

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_SCHEMES = new Set(['http:', 'https:']);
const REL = 'noopener noreferrer nofollow';
const DIMENSION = /^\d{1,4}%?$/;

/** An absolute URL with one of `schemes`, normalised by the WHATWG parser; null otherwise. */
export function absoluteUrl(value: string, schemes: ReadonlySet<string>): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null; // relative, or not a URL at all
  }
  if (!schemes.has(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && (url.username || url.password)) return null;
  return url.href;
}

interface Base {
  origin: string;
  /** null: any path on the origin. */
  prefix: string | null;
}

function parseBases(entries: readonly string[]): Base[] {
  const bases: Base[] = [];
  for (const entry of entries) {
    const href = absoluteUrl(entry, IMAGE_SCHEMES);
    if (!href) continue;
    const url = new URL(href);
    const path = url.pathname.replace(/\/+$/, '');
    bases.push({ origin: url.origin, prefix: path === '' ? null : `${url.origin}${path}/` });
  }
  return bases;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Tags out, the serializer's entities back: sanitized output only (it is well formed). */
function textOf(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|blockquote|pre|tr|figcaption)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

export function createHtmlSanitizer(options: HtmlSanitizerOptions): HtmlSanitizer {
  const bases = parseBases(options.imageOrigins);
  const maxLength = options.maxLength ?? 500_000;

  function imageUrl(value: string): string | null {
    const href = absoluteUrl(value, IMAGE_SCHEMES);
    if (!href) return null;
    const origin = new URL(href).origin;
    return bases.some((b) => b.origin === origin && (b.prefix === null || href.startsWith(b.prefix))) ? href : null;
  }

  function sanitize(dirty: string): SanitizedHtml {
    const images: string[] = [];
    const html = sanitizeHtml(typeof dirty === 'string' ? dirty : '', {
      allowedTags: [...ARTICLE_TAGS],
      allowedAttributes: ARTICLE_ATTRIBUTES,
      allowedStyles: ALLOWED_STYLES,
      allowedClasses: {},
      allowedSchemes: ['http', 'https', 'mailto'],
      allowedSchemesByTag: { img: ['http', 'https'] },
      allowedSchemesAppliedToAttributes: [
        'href',
        'src',
        'cite',
        'action',
        'formaction',
        'poster',
        'background',
        'xlink:href',
      ],
      allowProtocolRelative: false,
      allowedIframeHostnames: [],
      disallowedTagsMode: 'discard',
      nonTextTags: DROPPED_WHOLE,
      enforceHtmlBoundary: false,
      parseStyleAttributes: true,
      exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
      transformTags: {
        a: (tagName, attribs) => {
          const href = attribs.href === undefined ? null : absoluteUrl(attribs.href, LINK_SCHEMES);
          const kept: sanitizeHtml.Attributes = { rel: REL };
          if (href) kept.href = href;
          if (attribs.title !== undefined) kept.title = attribs.title;
          return { tagName, attribs: kept };
        },
        img: (tagName, attribs) => {
          const src = attribs.src === undefined ? null : imageUrl(attribs.src);
          // Without a src the image is removed whole by exclusiveFilter. (Renaming it to a disallowed
          // tag instead would trip sanitize-html's close-tag bookkeeping for void elements.)
          if (!src) return { tagName, attribs: {} };
          images.push(src);
          const kept: sanitizeHtml.Attributes = { src };
          if (attribs.alt !== undefined) kept.alt = attribs.alt;
          for (const side of ['width', 'height'] as const) {
            const value = attribs[side]?.trim();
            if (value !== undefined && DIMENSION.test(value)) kept[side] = value;
          }
          return { tagName, attribs: kept };
        },
      },
    });
    if (html.length > maxLength) {
      throw new RangeError(`article HTML is ${html.length} characters after cleaning; at most ${maxLength}`);
    }
    const text = textOf(html);
    const empty = images.length === 0 && text.replace(/[\s\u00a0\u200b-\u200d\u2060\ufeff\u3000]/g, '') === '';
    return { html, images, text, empty };
  }

  return { sanitize, imageUrl };
}
