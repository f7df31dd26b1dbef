/**
 * Operations (admins): start a search reindex or a counters' recount and watch it. The run is a
 * background job (see ../operations); this page reads its progress from the key-value store, so
 * it shows the same bar whichever instance runs the job. site.js polls the JSON beside the page
 * once a second (`data-progress-url`); without script the page has a reload link.
 */
import { Type } from 'typebox';
import { html, type Html } from '../../platform/web/html.js';
import {
  OPERATION_KINDS,
  OperationRunning,
  type Operation,
  type OperationKind,
} from '../operations/operations.service.js';
import { csrfToken } from '../web/web.session.js';
import { CsrfField, PAGE, wordsOf, type ConsoleSection } from './console.kit.js';

const WORDS = {
  zh: {
    title: '运维操作',
    kinds: {
      reindex: ['重建搜索索引', '从数据库重新生成全部文章的搜索索引与联想词表。'],
      recount: ['重新统计计数', '按实际数据重新计算文章、用户、评论的各项计数并修正。'],
    } as Record<OperationKind, [string, string]>,
    start: '开始',
    states: { running: '进行中', done: '已完成', failed: '失败' } as Record<Operation['state'], string>,
    never: '尚未运行过。',
    reload: '刷新进度',
    started: '已开始',
    finished: '结束于',
    result: '结果',
    error: '错误',
    notices: { started: '已开始运行。', busy: '同类操作正在运行，请等待它结束。' } as Record<string, string>,
  },
  en: {
    title: 'Operations',
    kinds: {
      reindex: [
        'Rebuild the search index',
        'Regenerates every article’s search document and the suggestion vocabulary.',
      ],
      recount: ['Recount counters', 'Recomputes the article, user and comment counters from the rows and fixes them.'],
    } as Record<OperationKind, [string, string]>,
    start: 'Start',
    states: { running: 'running', done: 'done', failed: 'failed' } as Record<Operation['state'], string>,
    never: 'Not run yet.',
    reload: 'Reload progress',
    started: 'Started',
    finished: 'Finished',
    result: 'Result',
    error: 'Error',
    notices: { started: 'Started.', busy: 'One of this kind is running; wait for it to finish.' } as Record<
      string,
      string
    >,
  },
};
type Words = typeof WORDS.zh;

const percent = (op: Operation) =>
  op.state === 'done' ? 100 : op.total > 0 ? Math.min(100, Math.floor((op.done / op.total) * 100)) : 0;

function operationBlock(
  W: Words,
  kind: OperationKind,
  op: Operation | null,
  csrf: string,
  time: (ms: number) => string,
): Html {
  const [name, about] = W.kinds[kind];
  return html`<section class="operation" aria-labelledby="op-${kind}">
    <h2 id="op-${kind}">${name}</h2>
    <p>${about}</p>
    ${
      op
        ? html`<div
            data-operation="${op.id}"
            ${op.state === 'running' ? html`data-progress-url="/admin/operations/${op.id}/progress"` : ''}
          >
            <p>
              <strong data-progress-state>${W.states[op.state]}</strong>
              <span data-progress-phase>${op.phase ?? ''}</span>
              <span data-progress-text>${op.done}/${op.total}</span>
            </p>
            <progress max="100" value="${percent(op)}">${percent(op)}%</progress>
            <p class="meta">
              <span>${W.started} ${time(op.startedAt)}</span>
              ${op.finishedAt !== null ? html`<span>${W.finished} ${time(op.finishedAt)}</span>` : ''}
            </p>
            ${
              op.result
                ? html`<p>
                    ${W.result}:
                    <code
                      >${Object.entries(op.result)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(' ')}</code
                    >
                  </p>`
                : ''
            }
            ${op.error ? html`<p class="error">${W.error}: ${op.error}</p>` : ''}
            ${op.state === 'running' ? html`<p><a href="/admin/operations">${W.reload}</a></p>` : ''}
          </div>`
        : html`<p>${W.never}</p>`
    }
    <form method="post" action="/admin/operations/${kind}">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <button type="submit" ${op?.state === 'running' ? html`disabled` : ''}>${W.start}</button>
    </form>
  </section>`;
}

export const operationsSection: ConsoleSection = (r, { ctx, page, adminOnly, csrf, staff }) => {
  const { services, present } = ctx;

  r.get(
    '/admin/operations',
    {
      config: PAGE,
      schema: { hide: true, querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) }) },
    },
    async (request, reply) => {
      adminOnly(request);
      const W = wordsOf(WORDS, request);
      const token = csrfToken(reply);
      const latest = await Promise.all(OPERATION_KINDS.map((kind) => services.operations.latest(kind)));
      const notice = request.query.done ? W.notices[request.query.done] : undefined;
      const body = html`<h1>${W.title}</h1>
        ${notice ? html`<p class="info" role="status">${notice}</p>` : ''}
        ${OPERATION_KINDS.map((kind, i) => operationBlock(W, kind, latest[i]!, token, (ms) => present.time.plain(ms)))}`;
      return page(request, reply, 'system', W.title, body);
    },
  );

  r.get(
    '/admin/operations/:id/progress',
    { config: PAGE, schema: { hide: true, params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,19}$' }) }) } },
    async (request, reply) => {
      adminOnly(request);
      const op = await services.operations.get(request.params.id);
      reply.header('cache-control', 'no-store');
      if (!op) return reply.code(404).send({ message: 'Not found.', code: 'not_found' });
      const { kind, state, phase, done, total } = op;
      return reply.send({ kind, state, phase, done, total, percent: percent(op) });
    },
  );

  r.post(
    '/admin/operations/:kind',
    {
      config: PAGE,
      preHandler: csrf,
      schema: {
        hide: true,
        params: Type.Object({ kind: Type.Union([Type.Literal('reindex'), Type.Literal('recount')]) }),
        body: Type.Object({ ...CsrfField }),
      },
    },
    async (request, reply) => {
      adminOnly(request);
      try {
        await services.operations.start(request.params.kind, staff(request).id);
        return reply.redirect('/admin/operations?done=started', 303);
      } catch (error) {
        if (!(error instanceof OperationRunning)) throw error;
        return reply.redirect('/admin/operations?done=busy', 303);
      }
    },
  );
};
