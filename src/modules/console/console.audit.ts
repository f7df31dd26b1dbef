/**
 * The audit log in the console (admins): every staff action, newest first, filtered by who, what
 * and on which target through the URL (shareable), paged by keyset so a long log stays fast.
 */
import { html, type Html } from '../../platform/web/html.js';
import { auditFilter, AuditQuery } from '../audit/audit.schema.js';
import { PAGE, wordsOf, type ConsoleSection } from './console.kit.js';

const WORDS = {
  zh: {
    title: '审计日志',
    actor: '操作人 ID',
    action: '操作（如 user.ban 或 user.）',
    targetType: '对象类型',
    targetId: '对象 ID',
    filter: '筛选',
    clear: '清除筛选',
    when: '时间',
    who: '操作人',
    what: '操作',
    target: '对象',
    change: '变更',
    empty: '没有记录。',
    older: '更早的记录',
  },
  en: {
    title: 'Audit log',
    actor: 'Actor id',
    action: 'Action (user.ban, or user. for all)',
    targetType: 'Target type',
    targetId: 'Target id',
    filter: 'Filter',
    clear: 'Clear filters',
    when: 'When',
    who: 'Who',
    what: 'Action',
    target: 'Target',
    change: 'Change',
    empty: 'Nothing logged.',
    older: 'Older entries',
  },
};
type Words = typeof WORDS.zh;

export interface AuditRowView {
  at: string;
  actorId: string;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string;
  before: string | null;
  after: string | null;
}

/** Where the console shows a target, for the kinds it has a page for. */
function targetLink(type: string, id: string): string | null {
  if (type === 'article') return `/admin/review/${id}`;
  if (type === 'user') return `/admin/users/${id}`;
  if (type === 'channel') return '/admin/channels';
  if (type === 'operation') return '/admin/operations';
  if (type === 'sensitive_words') return '/admin/sensitive-words';
  return null;
}

export function auditBody(W: Words, query: AuditQuery, rows: readonly AuditRowView[], next: string | null): Html {
  const field = (name: keyof AuditQuery, label: string, value: string | undefined) =>
    html`<label>${label} <input name="${name}" value="${value ?? ''}" maxlength="40" /></label>`;
  return html`<h1>${W.title}</h1>
    <form method="get" action="/admin/audit" class="filters">
      ${field('actor', W.actor, query.actor)} ${field('action', W.action, query.action)}
      ${field('target_type', W.targetType, query.target_type)} ${field('target_id', W.targetId, query.target_id)}
      <button type="submit">${W.filter}</button> <a href="/admin/audit">${W.clear}</a>
    </form>
    ${
      rows.length === 0
        ? html`<p>${W.empty}</p>`
        : html`<table class="queue audit">
            <thead>
              <tr>
                <th scope="col">${W.when}</th>
                <th scope="col">${W.who}</th>
                <th scope="col">${W.what}</th>
                <th scope="col">${W.target}</th>
                <th scope="col">${W.change}</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map((row) => {
                const link = targetLink(row.targetType, row.targetId);
                const target = `${row.targetType} ${row.targetId}`;
                return html`<tr>
                  <td><time>${row.at}</time></td>
                  <td><a href="/admin/audit?actor=${row.actorId}">${row.actorName}</a></td>
                  <td><a href="/admin/audit?action=${encodeURIComponent(row.action)}">${row.action}</a></td>
                  <td>${link ? html`<a href="${link}">${target}</a>` : target}</td>
                  <td class="change">
                    ${row.before ? html`<code>${row.before}</code> → ` : ''}${row.after ? html`<code>${row.after}</code>` : ''}
                  </td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }
    ${next ? html`<p><a rel="next" href="${next}">${W.older}</a></p>` : ''}`;
}

export const auditSection: ConsoleSection = (r, { ctx, page, adminOnly }) => {
  r.get('/admin/audit', { config: PAGE, schema: { hide: true, querystring: AuditQuery } }, async (request, reply) => {
    adminOnly(request);
    const W = wordsOf(WORDS, request);
    const q = request.query;
    const { rows, next } = await ctx.services.audit.list(
      auditFilter({ ...q, before: q.before === undefined ? undefined : BigInt(q.before) }),
      q.per_page ?? 50,
    );
    const views = rows.map((row) => ({
      at: ctx.present.time.plain(row.created_at),
      actorId: String(row.actor_id),
      actorName: row.actor_name ?? String(row.actor_id),
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      before: row.before_json,
      after: row.after_json,
    }));
    let nextUrl: string | null = null;
    if (next !== null) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(q))
        if (value !== undefined && key !== 'before') params.set(key, String(value));
      params.set('before', String(next));
      nextUrl = `/admin/audit?${params.toString()}`;
    }
    return page(request, reply, 'audit', W.title, auditBody(W, q, views, nextUrl));
  });
};
