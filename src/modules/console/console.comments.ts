/**
 * The console's comments (issue 15): search by text, article or author (newest first, keyset
 * paged, filters in the URL), delete, close or open an article's comments, and the reported
 * comments grouped by comment (count and reasons, never who reported) to delete or dismiss.
 * Everything goes through services.comments.moderation, as the admin API does, and is audited there.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { toId } from '../../platform/http/ids.js';
import { html, type Html } from '../../platform/web/html.js';
import type { FoundComment } from '../comments/comment-moderation.repository.js';
import type { ReportGroup } from '../comments/comment-moderation.service.js';
import { csrfToken } from '../web/web.session.js';
import {
  CsrfField,
  DoneQuery,
  IdParams,
  LIST_PAGE,
  PAGE,
  PageQuery,
  wordsOf,
  type ConsoleSection,
} from './console.kit.js';

const WORDS = {
  zh: {
    title: '评论',
    all: '全部评论',
    reported: '被举报的评论',
    text: '评论内容包含',
    article: '文章 ID',
    author: '作者用户 ID',
    find: '搜索',
    none: '没有符合条件的评论。',
    noReports: '没有待处理的评论举报。',
    reportCount: (n: number) => `${n} 次举报`,
    reply: '回复',
    readerPage: '读者页面',
    delete: '删除评论',
    dismiss: '驳回举报',
    close: '关闭该文章评论',
    open: '开启该文章评论',
    closed: '评论已关闭',
    more: '下一页',
    done: {
      delete: '评论已删除。',
      dismiss: '举报已驳回。',
      close: '已关闭文章评论。',
      open: '已开启文章评论。',
    } as Record<string, string>,
  },
  en: {
    title: 'Comments',
    all: 'All comments',
    reported: 'Reported comments',
    text: 'Text contains',
    article: 'Article id',
    author: 'Author user id',
    find: 'Search',
    none: 'No comments match.',
    noReports: 'No comment reports to handle.',
    reportCount: (n: number) => `${n} ${n === 1 ? 'report' : 'reports'}`,
    reply: 'reply',
    readerPage: 'reader page',
    delete: 'Delete the comment',
    dismiss: 'Dismiss the reports',
    close: 'Close comments on the article',
    open: 'Open comments on the article',
    closed: 'comments closed',
    more: 'Next page',
    done: {
      delete: 'Comment deleted.',
      dismiss: 'Reports dismissed.',
      close: 'Comments closed on the article.',
      open: 'Comments opened on the article.',
    } as Record<string, string>,
  },
};
type Words = (typeof WORDS)['zh'];

/** Digits, or empty (a GET form sends its empty fields). */
const OptionalId = Type.Optional(Type.String({ pattern: '^[0-9]{0,19}$' }));
/** Where an action returns: this section's list with its filters (never another address). */
const Back = Type.Optional(Type.String({ maxLength: 500, pattern: '^/admin/comments(\\?[^\\s#]*)?$' }));

const idOrUndefined = (value: string | undefined, field: string) =>
  value === undefined || value === '' ? undefined : toId(value, field);

function backTo(back: string | undefined, done: string): string {
  const url = new URL(back ?? '/admin/comments', 'http://console.invalid');
  url.searchParams.set('done', done);
  return `${url.pathname}${url.search}`;
}

interface CommentView {
  id: bigint;
  articleId: bigint;
  articleTitle: string;
  allowComment: boolean;
  isReply: boolean;
  authorId: bigint;
  authorName: string;
  content: string;
  at: string;
  reports: number;
}

interface Filters {
  q: string;
  article: string;
  author: string;
  reported: boolean;
}

function actionForm(action: string, csrf: string, back: string, label: string, extra: Html | string = ''): Html {
  return html`<form method="post" action="${action}" class="inline">
    <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="back" value="${back}" />${extra}
    <button type="submit">${label}</button>
  </form>`;
}

function filtersForm(W: Words, f: Filters): Html {
  return html`<p class="row">
      <a href="/admin/comments" ${f.reported ? '' : html`aria-current="page"`}>${W.all}</a>
      <a href="/admin/comments?reported=1" ${f.reported ? html`aria-current="page"` : ''}>${W.reported}</a>
    </p>
    ${
      f.reported
        ? ''
        : html`<form method="get" action="/admin/comments" role="search" class="filters">
            <label>${W.text} <input name="q" value="${f.q}" maxlength="100" /></label>
            <label
              >${W.article}
              <input name="article" value="${f.article}" inputmode="numeric" pattern="[0-9]*" maxlength="19"
            /></label>
            <label
              >${W.author} <input name="author" value="${f.author}" inputmode="numeric" pattern="[0-9]*" maxlength="19"
            /></label>
            <button type="submit">${W.find}</button>
          </form>`
    }`;
}

function articleLinks(W: Words, articleId: bigint, title: string): Html {
  return html`<a href="/admin/review/${articleId}">${title}</a>
    <a class="meta" href="/articles/${articleId}">${W.readerPage}</a>`;
}

export function commentsBody(
  W: Words,
  view: {
    filters: Filters;
    rows: readonly CommentView[];
    next: string | null;
    csrf: string;
    back: string;
    notice: string | null;
  },
): Html {
  const { csrf, back } = view;
  return html`<h1>${W.title}</h1>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''} ${filtersForm(W, view.filters)}
    ${
      view.rows.length === 0
        ? html`<p>${W.none}</p>`
        : html`<ul class="report-groups">
            ${view.rows.map(
              (c) =>
                html`<li>
                  <p>${c.content}</p>
                  <p class="meta">
                    <span>${articleLinks(W, c.articleId, c.articleTitle)}</span>
                    <span><a href="/admin/users/${c.authorId}">${c.authorName}</a></span>
                    <time>${c.at}</time> ${c.isReply ? html`<span>${W.reply}</span>` : ''}
                    ${c.reports > 0 ? html`<strong class="badge">${W.reportCount(c.reports)}</strong>` : ''}
                    ${c.allowComment ? '' : html`<span class="badge">${W.closed}</span>`}
                  </p>
                  <div class="row">
                    ${actionForm(`/admin/comments/${c.id}/delete`, csrf, back, W.delete)}
                    ${actionForm(
                      `/admin/articles/${c.articleId}/comments`,
                      csrf,
                      back,
                      c.allowComment ? W.close : W.open,
                      html`<input type="hidden" name="allow" value="${c.allowComment ? '0' : '1'}" />`,
                    )}
                  </div>
                </li>`,
            )}
          </ul>`
    }
    ${view.next ? html`<a class="more" rel="next" href="${view.next}">${W.more}</a>` : ''}`;
}

export function reportedCommentsBody(
  W: Words,
  reportTypes: readonly string[],
  view: {
    rows: readonly (Omit<ReportGroup, 'latest' | 'createdAt'> & { latest: string; at: string })[];
    next: string | null;
    csrf: string;
    back: string;
    notice: string | null;
  },
): Html {
  const { csrf, back } = view;
  return html`<h1>${W.reported}</h1>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''}
    ${filtersForm(W, { q: '', article: '', author: '', reported: true })}
    ${
      view.rows.length === 0
        ? html`<p>${W.noReports}</p>`
        : html`<ul class="report-groups">
            ${view.rows.map(
              (g) =>
                html`<li>
                  <p>${g.content}</p>
                  <p class="meta">
                    <strong>${W.reportCount(g.count)}</strong>
                    <span>${articleLinks(W, g.articleId, g.articleTitle)}</span>
                    <span><a href="/admin/users/${g.authorId}">${g.authorName}</a></span>
                    <time>${g.at}</time>
                  </p>
                  <p>
                    ${Object.entries(g.types).map(
                      ([type, n]) => html`<span class="badge">${reportTypes[Number(type)] ?? type} × ${n}</span> `,
                    )}
                  </p>
                  ${
                    g.remarks.length > 0
                      ? html`<ul>
                          ${g.remarks.map((r) => html`<li>${r}</li>`)}
                        </ul>`
                      : ''
                  }
                  <div class="row">
                    ${actionForm(`/admin/comments/${g.commentId}/delete`, csrf, back, W.delete)}
                    ${actionForm(`/admin/comments/${g.commentId}/dismiss`, csrf, back, W.dismiss)}
                  </div>
                </li>`,
            )}
          </ul>`
    }
    ${view.next ? html`<a class="more" rel="next" href="${view.next}">${W.more}</a>` : ''}`;
}

const present = (row: FoundComment, plain: (ms: number) => string): CommentView => ({
  id: row.id,
  articleId: row.article_id,
  articleTitle: row.article_title,
  allowComment: row.allow_comment === 1,
  isReply: row.parent_id !== null,
  authorId: row.user_id,
  authorName: row.aut_name,
  content: row.content,
  at: plain(row.created_at),
  reports: row.reports,
});

export const commentsSection: ConsoleSection = (r, kit) => {
  const { services, present: presenter } = kit.ctx;
  const moderation = services.comments.moderation;
  const plain = (ms: number) => presenter.time.plain(ms);
  const staffId = (request: FastifyRequest) => kit.staff(request).id;

  r.get(
    '/admin/comments',
    {
      config: PAGE,
      schema: {
        hide: true,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          article: OptionalId,
          author: OptionalId,
          before: OptionalId,
          reported: Type.Optional(Type.Literal('1')),
          ...PageQuery,
          ...DoneQuery,
        }),
      },
    },
    async (request, reply) => {
      const W = wordsOf(WORDS, request);
      const query = request.query;
      const notice = query.done ? (W.done[query.done] ?? null) : null;
      const csrf = csrfToken(reply);

      if (query.reported) {
        const pageNo = query.page ?? 1;
        const { rows, more } = await moderation.reported((pageNo - 1) * LIST_PAGE, LIST_PAGE);
        const back = `/admin/comments?reported=1${pageNo > 1 ? `&page=${pageNo}` : ''}`;
        const body = reportedCommentsBody(W, kit.textOf(request).reportTypes, {
          rows: rows.map((g) => ({ ...g, latest: plain(g.latest), at: plain(g.createdAt) })),
          next: more ? `/admin/comments?reported=1&page=${pageNo + 1}` : null,
          csrf,
          back,
          notice,
        });
        return kit.page(request, reply, 'comments', W.reported, body);
      }

      const filters: Filters = {
        q: (query.q ?? '').trim(),
        article: query.article ?? '',
        author: query.author ?? '',
        reported: false,
      };
      const page = await moderation.search(
        {
          text: filters.q || undefined,
          articleId: idOrUndefined(filters.article, 'article'),
          authorId: idOrUndefined(filters.author, 'author'),
          before: idOrUndefined(query.before, 'before'),
        },
        LIST_PAGE,
      );
      const params = new URLSearchParams();
      if (filters.q) params.set('q', filters.q);
      if (filters.article) params.set('article', filters.article);
      if (filters.author) params.set('author', filters.author);
      const here = new URLSearchParams(params);
      if (query.before) here.set('before', query.before);
      const withQuery = (p: URLSearchParams) => `/admin/comments${p.size > 0 ? `?${p.toString()}` : ''}`;
      let next: string | null = null;
      if (page.next !== null) {
        const more = new URLSearchParams(params);
        more.set('before', String(page.next));
        next = withQuery(more);
      }
      const body = commentsBody(W, {
        filters,
        rows: page.rows.map((row) => present(row, plain)),
        next,
        csrf,
        back: withQuery(here),
        notice,
      });
      return kit.page(request, reply, 'comments', W.title, body);
    },
  );

  const ActionBody = Type.Object({ back: Back, ...CsrfField });

  r.post(
    '/admin/comments/:id/delete',
    { config: PAGE, preHandler: kit.csrf, schema: { hide: true, params: IdParams, body: ActionBody } },
    async (request, reply) => {
      await moderation.remove(staffId(request), toId(request.params.id, 'id'));
      return reply.redirect(backTo(request.body.back, 'delete'), 303);
    },
  );

  r.post(
    '/admin/comments/:id/dismiss',
    { config: PAGE, preHandler: kit.csrf, schema: { hide: true, params: IdParams, body: ActionBody } },
    async (request, reply) => {
      await moderation.dismissReports(staffId(request), toId(request.params.id, 'id'));
      return reply.redirect(backTo(request.body.back, 'dismiss'), 303);
    },
  );

  r.post(
    '/admin/articles/:id/comments',
    {
      config: PAGE,
      preHandler: kit.csrf,
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object({ allow: Type.Union([Type.Literal('0'), Type.Literal('1')]), back: Back, ...CsrfField }),
      },
    },
    async (request, reply) => {
      const allow = request.body.allow === '1';
      await moderation.setAllowComment(staffId(request), toId(request.params.id, 'id'), allow);
      return reply.redirect(backTo(request.body.back, allow ? 'open' : 'close'), 303);
    },
  );
};
