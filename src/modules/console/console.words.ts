/**
 * The sensitive-word list (admins): a page of words with who added them, a textarea to add many
 * at once (one per line) and a remove button per word. Writes go through the review module's
 * service, as the admin API's do (audit entry, matcher rebuilt here and on other instances).
 */
import { Type } from 'typebox';
import { html } from '../../platform/web/html.js';
import { csrfToken } from '../web/web.session.js';
import { CsrfField, LIST_PAGE, PAGE, PageQuery, wordsOf, type ConsoleSection } from './console.kit.js';

const WORDS = {
  zh: {
    title: '敏感词',
    about: '投稿的标题和正文含有下列词语时，文章会留待人工审核。英文不区分大小写。',
    count: (n: number) => `共 ${n} 个词`,
    add: '添加',
    addLabel: '添加敏感词（每行一个）',
    remove: '删除',
    word: '词语',
    addedBy: '添加人',
    addedAt: '添加时间',
    seed: '初始词表',
    empty: '词表为空。',
    more: '更多',
    notices: {
      add: (n: number) => `已添加 ${n} 个词。`,
      remove: (n: number) => `已删除 ${n} 个词。`,
    },
  },
  en: {
    title: 'Sensitive words',
    about: 'A submission whose title or text contains one of these words waits for a moderator. Case-insensitive.',
    count: (n: number) => `${n} words`,
    add: 'Add',
    addLabel: 'Add words (one per line)',
    remove: 'Remove',
    word: 'Word',
    addedBy: 'Added by',
    addedAt: 'Added',
    seed: 'shipped list',
    empty: 'The list is empty.',
    more: 'More',
    notices: {
      add: (n: number) => `${n} word(s) added.`,
      remove: (n: number) => `${n} word(s) removed.`,
    },
  },
};

/** Lines, and commas of either width within a line: what people paste. */
const splitWords = (text: string) => text.split(/[\r\n,，、]+/);

export const wordsSection: ConsoleSection = (r, { ctx, page, adminOnly, csrf, staff }) => {
  const { services, present } = ctx;

  r.get(
    '/admin/sensitive-words',
    {
      config: PAGE,
      schema: {
        hide: true,
        querystring: Type.Object({
          ...PageQuery,
          done: Type.Optional(Type.Union([Type.Literal('add'), Type.Literal('remove')])),
          n: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
        }),
      },
    },
    async (request, reply) => {
      adminOnly(request);
      const W = wordsOf(WORDS, request);
      const current = request.query.page ?? 1;
      const { rows, more, total } = await services.review.words.page(current, LIST_PAGE);
      const token = csrfToken(reply);
      const done = request.query.done;
      const notice = done ? W.notices[done](request.query.n ?? 0) : null;
      const body = html`<h1>${W.title}</h1>
        ${notice ? html`<p class="info" role="status">${notice}</p>` : ''}
        <p>${W.about}</p>
        <p class="meta">${W.count(total)}</p>
        <form method="post" action="/admin/sensitive-words">
          <input type="hidden" name="_csrf" value="${token}" />
          <label for="words-add">${W.addLabel}</label>
          <textarea id="words-add" name="words" rows="4" maxlength="100000" required></textarea>
          <button type="submit">${W.add}</button>
        </form>
        ${
          rows.length === 0
            ? html`<p>${W.empty}</p>`
            : html`<table class="queue">
                <thead>
                  <tr>
                    <th scope="col">${W.word}</th>
                    <th scope="col">${W.addedBy}</th>
                    <th scope="col">${W.addedAt}</th>
                    <th scope="col"></th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (row) =>
                      html`<tr>
                        <td data-word>${row.word}</td>
                        <td>${row.added_by === null ? W.seed : (row.added_by_name ?? String(row.added_by))}</td>
                        <td><time>${present.time.plain(row.added_at)}</time></td>
                        <td>
                          <form method="post" action="/admin/sensitive-words/remove">
                            <input type="hidden" name="_csrf" value="${token}" />
                            <input type="hidden" name="word" value="${row.word}" />
                            <button type="submit">${W.remove}</button>
                          </form>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
        ${more ? html`<a class="more" rel="next" href="/admin/sensitive-words?page=${current + 1}">${W.more}</a>` : ''}`;
      return page(request, reply, 'system', W.title, body);
    },
  );

  r.post(
    '/admin/sensitive-words',
    {
      config: PAGE,
      preHandler: csrf,
      schema: { hide: true, body: Type.Object({ words: Type.String({ maxLength: 100_000 }), ...CsrfField }) },
    },
    async (request, reply) => {
      adminOnly(request);
      const { added } = await services.review.words.add(staff(request).id, splitWords(request.body.words));
      return reply.redirect(`/admin/sensitive-words?done=add&n=${added.length}`, 303);
    },
  );

  r.post(
    '/admin/sensitive-words/remove',
    {
      config: PAGE,
      preHandler: csrf,
      schema: { hide: true, body: Type.Object({ word: Type.String({ minLength: 1, maxLength: 200 }), ...CsrfField }) },
    },
    async (request, reply) => {
      adminOnly(request);
      const { removed } = await services.review.words.remove(staff(request).id, [request.body.word]);
      return reply.redirect(`/admin/sensitive-words?done=remove&n=${removed.length}`, 303);
    },
  );
};
