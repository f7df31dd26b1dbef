/**
 * The reader pages' bodies: a feed (home, a channel), an article, an error. Pure functions of the
 * data the routes load; the layout wraps them.
 */
import { html, trustedHtml, type Html } from '../../platform/web/html.js';
import type { CardEntry, DetailEntry } from '../articles/article.presenter.js';
import type { CommentView } from '../comments/comment.service.js';
import { csrfField } from './web.layout.js';
import type { Text } from './web.text.js';

/** "2026-07-15T09:00:28" (the contract's time, in the site's zone) → "2026-07-15 09:00". */
export const shortTime = (iso: string) => iso.replace('T', ' ').slice(0, 16);

export const articlePath = (id: bigint) => `/articles/${id}`;
export const userPath = (id: bigint) => `/users/${id}`;

/** What the signed-in reader may do on an article page. */
export interface ArticleReader {
  csrf: string;
  liked: boolean;
  collected: boolean;
  following: boolean;
  /** The reader wrote it: no follow, buy or tip. */
  own: boolean;
}

export interface ArticleView {
  entry: DetailEntry;
  /** Null when signed out: the actions are links to the sign-in page. */
  reader: ArticleReader | null;
  /** A paid article: whether this reader has the full text (bought it, or wrote it). */
  access: { full: boolean; purchased: boolean };
  /** Payments are configured: buy and tip forms are shown. */
  payments: boolean;
  /** The live counts (the card's, with unflushed deltas). */
  counts: { like_count: number; collect_count: number; comment_count: number } | undefined;
  /** The HTML the reader may see: the full sanitized content, or a paid article's preview. */
  content: string;
  paid: { yuan: string } | null;
  comments: { total: number; rows: readonly CommentView[]; next: string | null };
  avatar: (stored: string | null) => string;
}

export const TIP_AMOUNTS_YUAN = [2, 5, 10, 50] as const;

export interface RepliesView {
  article: { id: bigint; title: string };
  parent: CommentView;
  replies: { rows: readonly CommentView[]; next: string | null };
  csrf: string | null;
  avatar: ArticleView['avatar'];
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

export interface ProfileView {
  id: bigint;
  name: string;
  photo: string;
  intro: string;
  counts: { articles: number; following: number; fans: number; likes: number };
  /** The signed-in reader's follow state (null when signed out). */
  reader: { csrf: string; following: boolean; own: boolean } | null;
}

/** The templates below in one language: `TEXT` is that language's table (web.text.ts). */
export function pagesIn(TEXT: Text) {
  /** The first cards are what the reader sees first (the largest paint): their covers load at once. */
  function card(entry: CardEntry, index: number): Html {
    const covers = entry.cover.images;
    return html`<li class="card${covers.length === 1 ? ' thumb' : ''}">
      <h2><a href="${articlePath(entry.id)}">${entry.title}</a></h2>
      ${
        covers.length > 0
          ? html`<div class="covers">
              ${covers.map(
                (src) =>
                  html`<img src="${src}" alt="" loading="${index < 2 ? 'eager' : 'lazy'}" width="320" height="200" />`,
              )}
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
  function feedBody(heading: string, cards: readonly CardEntry[], next: string | null, level: 1 | 2 = 1): Html {
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

  /** A form that switches something on or off (`on` is the state asked for); the script sends it with fetch. */
  function toggleForm(
    action: string,
    csrf: string,
    on: boolean,
    labels: readonly [off: string, on: string],
    back: string,
    count?: number,
  ): Html {
    return html`<form method="post" action="${action}" class="toggle" data-toggle>
      ${csrfField(csrf)}<input type="hidden" name="on" value="${on ? '0' : '1'}" /><input
        type="hidden"
        name="back"
        value="${back}"
      /><button type="submit" aria-pressed="${on ? 'true' : 'false'}" data-labels="${labels.join('|')}">
        <span class="label">${on ? labels[1] : labels[0]}</span>${
          count === undefined ? '' : html` <span class="count">${count}</span>`
        }
      </button>
    </form>`;
  }

  /** Where a signed-out reader goes to do something, and comes back to `here`. */
  const signInLink = (here: string, label: string) =>
    html`<a class="button" href="/login?next=${encodeURIComponent(here)}">${label}</a>`;

  function comment(
    row: CommentView,
    avatar: ArticleView['avatar'],
    iso: (ms: number) => string,
    repliesPath: string | null,
  ): Html {
    return html`<li class="comment" id="c${row.id}">
      <img src="${avatar(row.aut_photo)}" alt="" width="32" height="32" loading="lazy" />
      <div>
        <p class="meta">
          <span>${row.aut_name}</span><time datetime="${iso(row.created_at)}">${shortTime(iso(row.created_at))}</time
          ><span>${TEXT.likes(row.like_count)}</span>${
            repliesPath
              ? html`<a href="${repliesPath}">${row.reply_count > 0 ? TEXT.replies(row.reply_count) : TEXT.reply}</a>`
              : ''
          }
        </p>
        <p>${row.content}</p>
      </div>
    </li>`;
  }

  /** The follow button of an author (none on one's own page or article). */
  function followControl(
    authorId: bigint,
    reader: { csrf: string; following: boolean; own: boolean } | null,
    back: string,
  ) {
    if (reader?.own) return '';
    return reader
      ? toggleForm(`${userPath(authorId)}/follow`, reader.csrf, reader.following, [TEXT.follow, TEXT.followed], back)
      : signInLink(back, TEXT.follow);
  }

  function paywall(view: ArticleView, here: string): Html | '' {
    if (!view.paid) return '';
    if (view.access.full)
      return view.access.purchased ? html`<p class="paywall" role="status">${TEXT.purchased}</p>` : '';
    const buy = !view.payments
      ? ''
      : view.reader
        ? html`<form method="post" action="${here}/buy">
            ${csrfField(view.reader.csrf)}<button type="submit" class="primary">${TEXT.buy(view.paid.yuan)}</button>
          </form>`
        : signInLink(here, TEXT.buy(view.paid.yuan));
    return html`<div class="paywall">
      <p>${TEXT.paidNotice(view.paid.yuan)}</p>
      ${buy}
    </div>`;
  }

  function tipForm(view: ArticleView, here: string): Html | '' {
    if (!view.payments || view.reader?.own) return '';
    if (!view.reader) return signInLink(here, TEXT.tip);
    return html`<form method="post" action="${here}/tip" class="tip">
      ${csrfField(view.reader.csrf)}
      <label
        >${TEXT.tipAmount}
        <select name="yuan">
          ${TIP_AMOUNTS_YUAN.map((yuan) => html`<option value="${yuan}">${TEXT.yuan(yuan)}</option>`)}
        </select></label
      >
      <button type="submit">${TEXT.tip}</button>
    </form>`;
  }

  /** The comment (or reply) box; signed out, a link to sign in. */
  function commentForm(action: string, csrf: string | null, here: string, label: string): Html {
    if (csrf === null) return html`<p>${signInLink(here, TEXT.signInTo)}</p>`;
    return html`<form method="post" action="${action}" class="comment-form">
      ${csrfField(csrf)}
      <label for="comment-box">${label}</label>
      <textarea id="comment-box" name="content" rows="3" maxlength="1000" required></textarea>
      <button type="submit" class="primary">${TEXT.send}</button>
    </form>`;
  }

  function articleBody(view: ArticleView, iso: (ms: number) => string): Html {
    const { entry, counts, comments, reader } = view;
    const here = articlePath(entry.id);
    return html`<article class="story">
        <h1>${entry.title}</h1>
        <div class="author">
          <img src="${entry.aut_photo}" alt="" width="40" height="40" />
          <div>
            <div><a href="${userPath(entry.user_id)}">${entry.aut_name}</a></div>
            <p class="meta"><time datetime="${entry.pubdate}">${shortTime(entry.pubdate)}</time></p>
          </div>
          ${followControl(entry.user_id, reader, here)}
        </div>
        ${paywall(view, here)}
        <div class="content">${trustedHtml(view.content)}</div>
        ${
          counts
            ? html`<div class="actions" id="actions">
                ${
                  reader
                    ? html`${toggleForm(`${here}/like`, reader.csrf, reader.liked, [TEXT.like, TEXT.liked], here, counts.like_count)}
                      ${toggleForm(`${here}/collect`, reader.csrf, reader.collected, [TEXT.collect, TEXT.collected], here, counts.collect_count)}`
                    : html`<p class="meta stats">
                        <span>${TEXT.likes(counts.like_count)}</span><span>${TEXT.collects(counts.collect_count)}</span
                        ><span>${TEXT.comments(counts.comment_count)}</span>
                      </p>`
                }
                ${tipForm(view, here)}
              </div>`
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
        ${commentForm(`${here}/comments`, reader?.csrf ?? null, `${here}#comments`, TEXT.writeComment)}
        ${
          comments.rows.length === 0
            ? html`<p>${TEXT.noComments}</p>`
            : html`<ol>
                ${comments.rows.map((row) => comment(row, view.avatar, iso, `${here}/comments/${row.id}`))}
              </ol>`
        }
        ${comments.next ? html`<a class="more" rel="next" href="${comments.next}">${TEXT.moreComments}</a>` : ''}
      </section>`;
  }

  /** A comment and its replies, with the reply box. */
  function repliesBody(view: RepliesView, iso: (ms: number) => string): Html {
    const here = `${articlePath(view.article.id)}/comments/${view.parent.id}`;
    return html`<p><a href="${articlePath(view.article.id)}#c${view.parent.id}">← ${view.article.title}</a></p>
      <section class="comments" aria-labelledby="replies-h">
        <h1 id="replies-h">${TEXT.repliesHeading}</h1>
        <ol>
          ${comment(view.parent, view.avatar, iso, null)}
        </ol>
        ${commentForm(here, view.csrf, here, TEXT.writeReply)}
        ${
          view.replies.rows.length === 0
            ? ''
            : html`<ol class="replies">
                ${view.replies.rows.map((row) => comment(row, view.avatar, iso, null))}
              </ol>`
        }
        ${view.replies.next ? html`<a class="more" rel="next" href="${view.replies.next}">${TEXT.moreComments}</a>` : ''}
      </section>`;
  }

  function errorBody(title: string, text: string, requestId?: string): Html {
    return html`<section class="error-page">
      <h1>${title}</h1>
      <p>${text}${requestId ? html` <code>${requestId}</code>` : ''}</p>
      <p><a href="/">${TEXT.backHome}</a></p>
    </section>`;
  }

  /** A signed-in reader's recent searches, with a button that clears them. */
  function searchHistory(history: { words: readonly string[]; csrf: string }): Html {
    if (history.words.length === 0) return html``;
    return html`<section aria-labelledby="history-h" class="search-history">
      <h2 id="history-h">${TEXT.searchHistory}</h2>
      <ul class="tabs">
        ${history.words.map((word) => html`<li><a href="/search?q=${encodeURIComponent(word)}">${word}</a></li>`)}
      </ul>
      <form method="post" action="/search/history/clear">
        ${csrfField(history.csrf)}<button type="submit" class="link">${TEXT.clearHistory}</button>
      </form>
    </section>`;
  }

  function searchBody(
    q: string,
    total: number,
    hits: readonly SearchHit[],
    next: string | null,
    history: { words: readonly string[]; csrf: string } | null = null,
  ): Html {
    if (!q)
      return html`<h1>${TEXT.searchHeading(q)}</h1>
        ${history ? searchHistory(history) : ''}`;
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

  function profileBody(profile: ProfileView, cards: readonly CardEntry[], next: string | null): Html {
    return html`<section class="profile">
        <img src="${profile.photo}" alt="" width="72" height="72" />
        <div>
          <h1>${profile.name}</h1>
          ${followControl(profile.id, profile.reader, userPath(profile.id))}
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

  return {
    feedBody,
    toggleForm,
    signInLink,
    commentForm,
    articleBody,
    repliesBody,
    errorBody,
    searchBody,
    profileBody,
  };
}
