/**
 * The reader pages' bodies: a feed (home, a channel), an article, an error. Pure functions of the
 * data the routes load; the layout wraps them.
 */
import { html, trustedHtml, type Html } from '../../platform/web/html.js';
import type { CardEntry, DetailEntry } from '../articles/article.presenter.js';
import type { CommentView } from '../comments/comment.service.js';
import { TEXT } from './web.text.js';

/** "2026-07-15T09:00:28" (the contract's time, in the site's zone) → "2026-07-15 09:00". */
export const shortTime = (iso: string) => iso.replace('T', ' ').slice(0, 16);

export const articlePath = (id: bigint) => `/articles/${id}`;
export const userPath = (id: bigint) => `/users/${id}`;

function card(entry: CardEntry): Html {
  const covers = entry.cover.images;
  return html`<li class="card${covers.length === 1 ? ' thumb' : ''}">
    <h2><a href="${articlePath(entry.id)}">${entry.title}</a></h2>
    ${
      covers.length > 0
        ? html`<div class="covers">
            ${covers.map((src) => html`<img src="${src}" alt="" loading="lazy" width="320" height="200" />`)}
          </div>`
        : ''
    }
    <p class="meta">
      ${entry.is_top ? html`<span class="pin">${TEXT.pinned}</span>` : ''}<a href="${userPath(entry.user_id)}"
        >${entry.aut_name}</a
      ><span>${TEXT.comments(entry.comment_count)}</span
      ><time datetime="${entry.pubdate}">${shortTime(entry.pubdate)}</time>
    </p>
  </li>`;
}

/** A page of cards and, when there may be more, a real link to the next page (works without JavaScript). */
/** `level` 2 when the list sits under a page's own h1 (a profile). */
export function feedBody(heading: string, cards: readonly CardEntry[], next: string | null, level: 1 | 2 = 1): Html {
  return html`${level === 1 ? html`<h1 class="skip">${heading}</h1>` : html`<h2 class="skip">${heading}</h2>`}
  ${
    cards.length === 0
      ? html`<p>${TEXT.emptyFeed}</p>`
      : html`<ol class="feed">
          ${cards.map(card)}
        </ol>`
  }
  ${next ? html`<a class="more" rel="next" href="${next}">${TEXT.more}</a>` : ''}`;
}

export interface ArticleView {
  entry: DetailEntry;
  /** The live counts (the card's, with unflushed deltas). */
  counts: { like_count: number; collect_count: number; comment_count: number } | undefined;
  /** The HTML the reader may see: the full sanitized content, or a paid article's preview. */
  content: string;
  paid: { yuan: string } | null;
  comments: { total: number; rows: readonly CommentView[]; next: string | null };
  avatar: (stored: string | null) => string;
}

function comment(row: CommentView, avatar: ArticleView['avatar'], iso: (ms: number) => string): Html {
  return html`<li class="comment" id="c${row.id}">
    <img src="${avatar(row.aut_photo)}" alt="" width="32" height="32" loading="lazy" />
    <div>
      <p class="meta">
        <span>${row.aut_name}</span><time datetime="${iso(row.created_at)}">${shortTime(iso(row.created_at))}</time
        ><span>${TEXT.likes(row.like_count)}</span>${
          row.reply_count > 0 ? html`<span>${TEXT.replies(row.reply_count)}</span>` : ''
        }
      </p>
      <p>${row.content}</p>
    </div>
  </li>`;
}

export function articleBody(view: ArticleView, iso: (ms: number) => string): Html {
  const { entry, counts, comments } = view;
  return html`<article class="story">
      <h1>${entry.title}</h1>
      <div class="author">
        <img src="${entry.aut_photo}" alt="" width="40" height="40" />
        <div>
          <div><a href="${userPath(entry.user_id)}">${entry.aut_name}</a></div>
          <p class="meta"><time datetime="${entry.pubdate}">${shortTime(entry.pubdate)}</time></p>
        </div>
      </div>
      ${view.paid ? html`<p class="paywall">${TEXT.paidNotice(view.paid.yuan)}</p>` : ''}
      <div class="content">${trustedHtml(view.content)}</div>
      ${
        counts
          ? html`<p class="meta stats">
              <span>${TEXT.likes(counts.like_count)}</span><span>${TEXT.collects(counts.collect_count)}</span
              ><span>${TEXT.comments(counts.comment_count)}</span>
            </p>`
          : ''
      }
    </article>
    ${
      entry.related.length > 0
        ? html`<section class="related" aria-labelledby="related-h">
            <h2 id="related-h">${TEXT.related}</h2>
            <ul>
              ${entry.related.map((r) => html`<li><a href="${articlePath(r.id)}">${r.title}</a></li>`)}
            </ul>
          </section>`
        : ''
    }
    <section class="comments" aria-labelledby="comments-h" id="comments">
      <h2 id="comments-h">${TEXT.commentsHeading(comments.total)}</h2>
      ${
        comments.rows.length === 0
          ? html`<p>${TEXT.noComments}</p>`
          : html`<ol>
              ${comments.rows.map((row) => comment(row, view.avatar, iso))}
            </ol>`
      }
      ${comments.next ? html`<a class="more" rel="next" href="${comments.next}">${TEXT.moreComments}</a>` : ''}
    </section>`;
}

export function errorBody(title: string, text: string, requestId?: string): Html {
  return html`<section class="error-page">
    <h1>${title}</h1>
    <p>${text}${requestId ? html` <code>${requestId}</code>` : ''}</p>
    <p><a href="/">${TEXT.backHome}</a></p>
  </section>`;
}

export interface SearchHit {
  art_id: bigint;
  /** HTML from the search highlighter: text escaped, matches in `<em>`. */
  title_highlight: string;
  snippet: string;
  aut_name: string;
  pubdate: string;
  comm_count: number;
}

export function searchBody(q: string, total: number, hits: readonly SearchHit[], next: string | null): Html {
  return html`<h1>${TEXT.searchHeading(q)}</h1>
    <p class="meta">${TEXT.searchTotal(total)}</p>
    ${
      hits.length === 0
        ? html`<p>${TEXT.noResults}</p>`
        : html`<ol class="feed">
            ${hits.map(
              (hit) =>
                html`<li class="card">
                  <h2><a href="${articlePath(hit.art_id)}">${trustedHtml(hit.title_highlight)}</a></h2>
                  ${hit.snippet ? html`<p class="snippet">${trustedHtml(hit.snippet)}</p>` : ''}
                  <p class="meta">
                    <span>${hit.aut_name}</span><span>${TEXT.comments(hit.comm_count)}</span
                    ><time datetime="${hit.pubdate}">${shortTime(hit.pubdate)}</time>
                  </p>
                </li>`,
            )}
          </ol>`
    }
    ${next ? html`<a class="more" rel="next" href="${next}">${TEXT.more}</a>` : ''}`;
}

export interface ProfileView {
  name: string;
  photo: string;
  intro: string;
  counts: { articles: number; following: number; fans: number; likes: number };
}

export function profileBody(profile: ProfileView, cards: readonly CardEntry[], next: string | null): Html {
  return html`<section class="profile">
      <img src="${profile.photo}" alt="" width="72" height="72" />
      <div>
        <h1>${profile.name}</h1>
        ${profile.intro ? html`<p>${profile.intro}</p>` : ''}
        <p class="meta">
          <span>${TEXT.profileArticles(profile.counts.articles)}</span
          ><span>${TEXT.profileFollowing(profile.counts.following)}</span
          ><span>${TEXT.profileFans(profile.counts.fans)}</span><span>${TEXT.likes(profile.counts.likes)}</span>
        </p>
      </div>
    </section>
    ${feedBody(TEXT.profileArticlesHeading, cards, next, 2)}`;
}
