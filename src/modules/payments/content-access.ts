/**
 * Paid content: who reads an article in full, and what everybody else sees.
 * - `contentAccess`: free articles are open; the author reads their own in full; a reader who
 *   bought it (a paid article order; a partly refunded one still counts) reads it in full; anyone
 *   else (anonymous readers included) gets the preview.
 * - `previewOf`: the first part of the HTML, well-formed: whole top-level blocks up to two, and
 *   never more than ~30 % of the text (capped), cutting inside a block when one alone is too long.
 */

export interface ArticlePriceInfo {
  id: bigint;
  authorId: bigint;
  priceCents: number;
}

export interface ContentAccess {
  /** Whether the full content may be shown. */
  full: boolean;
  /** 0 for a free article. */
  priceCents: number;
  /** The viewer bought it (false for authors reading their own and for free articles). */
  purchased: boolean;
}

export type OwnershipLookup = (viewerId: bigint, articleId: bigint) => Promise<boolean>;

export async function contentAccessWith(
  owns: OwnershipLookup,
  viewerId: bigint | null,
  article: ArticlePriceInfo,
): Promise<ContentAccess> {
  const priceCents = Math.max(0, Math.trunc(article.priceCents || 0));
  if (priceCents === 0) return { full: true, priceCents: 0, purchased: false };
  if (viewerId === null) return { full: false, priceCents, purchased: false };
  if (viewerId === article.authorId) return { full: true, priceCents, purchased: false };
  const purchased = await owns(viewerId, article.id);
  return { full: purchased, priceCents, purchased };
}

export interface PreviewOptions {
  /** Whole top-level blocks (paragraphs, headings, figures…) kept at most. */
  blocks?: number;
  /** Share of the article's text kept at most. */
  ratio?: number;
  /** Characters of text kept at most, whatever the article's length. */
  maxChars?: number;
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const DROPPED = new Set(['script', 'style', 'template']);
const TOKEN =
  /<!--[\s\S]*?-->|<\/?([a-zA-Z][a-zA-Z0-9-]*)(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>|[^<]+|</g;
/** One visible character: an entity or a code point. */
const CHAR = /&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});|[\s\S]/gu;

const chars = (text: string) => text.match(CHAR) ?? [];
const escapeStray = (text: string) => text.replace(/</g, '&lt;');

export function previewOf(html: string, options: PreviewOptions = {}): string {
  const maxBlocks = options.blocks ?? 2;
  const ratio = options.ratio ?? 0.3;
  const maxChars = options.maxChars ?? 600;

  const tokens = html.match(TOKEN) ?? [];
  let total = 0;
  for (const token of tokens) if (!token.startsWith('<') || token === '<') total += chars(token).length;
  const budget = Math.max(1, Math.min(maxChars, Math.floor(total * ratio)));

  const out: string[] = [];
  const open: string[] = [];
  let used = 0;
  let blocks = 0;
  let dropping: string | null = null;

  const closeAll = () => {
    while (open.length) out.push(`</${open.pop()}>`);
  };

  for (const token of tokens) {
    if (token.startsWith('<!--')) continue;
    const tag = /^<\/?([a-zA-Z][a-zA-Z0-9-]*)/.exec(token);
    if (tag) {
      const name = tag[1]!.toLowerCase();
      const closing = token.startsWith('</');
      if (dropping) {
        if (closing && name === dropping) dropping = null;
        continue;
      }
      if (DROPPED.has(name)) {
        if (!closing && !token.endsWith('/>')) dropping = name;
        continue;
      }
      if (closing) {
        const at = open.lastIndexOf(name);
        if (at === -1) continue; // a stray closing tag
        while (open.length > at) out.push(`</${open.pop()}>`);
        if (open.length === 0) {
          blocks++;
          if (blocks >= maxBlocks || used >= budget) break;
        }
        continue;
      }
      out.push(token);
      if (!VOID.has(name) && !token.endsWith('/>')) open.push(name);
      else if (open.length === 0 && name !== 'br' && name !== 'wbr') {
        // A top-level image or rule is a block of its own.
        blocks++;
        if (blocks >= maxBlocks || used >= budget) break;
      }
      continue;
    }
    if (dropping) continue;
    const text = chars(token);
    if (used + text.length <= budget) {
      out.push(escapeStray(token));
      used += text.length;
      continue;
    }
    const keep = text
      .slice(0, budget - used)
      .join('')
      .trimEnd();
    out.push(escapeStray(keep), '…');
    break;
  }
  closeAll();
  return out.join('');
}
