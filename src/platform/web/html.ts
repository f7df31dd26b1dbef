/**
 * HTML built from typed TypeScript functions with one rule: every interpolated value is escaped
 * unless it already is `Html`. Templates are plain functions of typed arguments, so a page that
 * passes the wrong data fails the compile; there is no template language, loader or cache.
 *
 * Only two things make `Html` from a string without escaping: the `html` tag's own literal parts
 * (written in this codebase) and `trustedHtml` (for article bodies, which the sanitizer produced
 * when they were saved). A JSON-LD block goes through `jsonForScript`, which escapes `<` so the
 * data can never close its `<script>`.
 *
 * A hand-written tag rather than a library: the libraries that render strings from JSX (Kita's
 * @kitajs/html and its like) leave children unescaped unless each is marked `safe`, the opposite
 * default of the one wanted here, and this is forty lines.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const UNSAFE = /[&<>"']/g;

/** Text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(UNSAFE, (c) => ESCAPES[c]!);
}

/** A fragment of markup that is safe to place in a page as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may stand in a template's `${…}`: escaped text, numbers, markup, lists of those; nothing for null/false. */
export type HtmlValue = Html | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  return escapeHtml(String(value as string | number | bigint));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup produced by the sanitizer (article bodies): the one door for stored HTML. */
export function trustedHtml(sanitized: string): Html {
  return new Html(sanitized);
}

/** JSON inside `<script type="application/ld+json">`: `<` escaped so no value can end the element. */
export function jsonForScript(value: unknown): Html {
  return new Html(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
      .replace(/</g, '\\u003c')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}
