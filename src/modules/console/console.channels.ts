/**
 * The console's channels (issue 15, admins only): the catalogue in the readers' order with each
 * channel's position, visibility and default flag; create, rename, reorder (one place up or down,
 * or a number), hide or show, set or unset as a default. Through services.channels.admin, as the
 * admin API, which audits each change and drops the readers' cached catalogue.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import { html, type Html } from '../../platform/web/html.js';
import { CHANNEL_NAME_MAX, type ChannelEdit } from '../channels/channel-admin.service.js';
import type { ChannelRow } from '../channels/channel.tables.js';
import { csrfToken } from '../web/web.session.js';
import { CsrfField, DoneQuery, IdParams, PAGE, PageQuery, wordsOf, type ConsoleSection } from './console.kit.js';

/** The catalogue is a few dozen channels: a page this long shows the whole order at once. */
const CHANNEL_PAGE = 100;

const WORDS = {
  zh: {
    title: '频道',
    create: '新建频道',
    name: '名称',
    sequence: '排序号',
    position: '位置',
    visible: '对读者可见',
    isDefault: '默认频道',
    state: '状态',
    actions: '操作',
    shown: '可见',
    hidden: '已隐藏',
    defaultMark: '默认',
    rename: '改名',
    setSequence: '设置排序号',
    up: '上移',
    down: '下移',
    hide: '隐藏',
    show: '显示',
    makeDefault: '设为默认',
    unsetDefault: '取消默认',
    none: '还没有频道。',
    more: '下一页',
    done: '已保存。',
    problems: {
      name: `名称须为 1–${CHANNEL_NAME_MAX} 个字符，且不能与其他频道重名。`,
      sequence: '排序号须为不小于 0 的整数。',
    } as Record<string, string>,
  },
  en: {
    title: 'Channels',
    create: 'New channel',
    name: 'Name',
    sequence: 'Sequence',
    position: 'Position',
    visible: 'Visible to readers',
    isDefault: 'Default channel',
    state: 'State',
    actions: 'Actions',
    shown: 'visible',
    hidden: 'hidden',
    defaultMark: 'default',
    rename: 'Rename',
    setSequence: 'Set sequence',
    up: 'Move up',
    down: 'Move down',
    hide: 'Hide',
    show: 'Show',
    makeDefault: 'Make default',
    unsetDefault: 'Unset default',
    none: 'No channels yet.',
    more: 'Next page',
    done: 'Saved.',
    problems: {
      name: `The name must be 1–${CHANNEL_NAME_MAX} characters and differ from every other channel's.`,
      sequence: 'The sequence must be a whole number from 0.',
    } as Record<string, string>,
  },
};
type Words = (typeof WORDS)['zh'];

export function channelsBody(
  W: Words,
  view: {
    rows: readonly ChannelRow[];
    offset: number;
    next: string | null;
    csrf: string;
    notice: string | null;
    problem: string | null;
    /** What the create form had when it failed. */
    draft: string;
  },
): Html {
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrf}" />`;
  const button = (id: bigint, action: string, label: string, extra: Html | string = '') =>
    html`<form method="post" action="/admin/channels/${id}" class="inline">
      ${csrf}<input type="hidden" name="action" value="${action}" />${extra}<button type="submit">${label}</button>
    </form>`;
  return html`<h1>${W.title}</h1>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''}
    ${view.problem ? html`<p class="error" role="alert">${view.problem}</p>` : ''}
    <form method="post" action="/admin/channels" class="row">
      ${csrf}
      <label for="new-name">${W.name}</label>
      <input id="new-name" name="name" value="${view.draft}" required maxlength="${CHANNEL_NAME_MAX}" />
      <label><input type="checkbox" name="visible" value="1" checked /> ${W.visible}</label>
      <label><input type="checkbox" name="default" value="1" /> ${W.isDefault}</label>
      <button type="submit">${W.create}</button>
    </form>
    ${
      view.rows.length === 0
        ? html`<p>${W.none}</p>`
        : html`<table class="queue">
            <thead>
              <tr>
                <th scope="col">${W.position}</th>
                <th scope="col">${W.name}</th>
                <th scope="col">${W.sequence}</th>
                <th scope="col">${W.state}</th>
                <th scope="col">${W.actions}</th>
              </tr>
            </thead>
            <tbody>
              ${view.rows.map(
                (c, index) =>
                  html`<tr id="channel-${c.id}">
                    <td>${view.offset + index + 1} <span class="meta">#${c.id}</span></td>
                    <td>
                      ${button(
                        c.id,
                        'rename',
                        W.rename,
                        html`<label class="skip" for="name-${c.id}">${W.name}</label
                          ><input
                            id="name-${c.id}"
                            name="name"
                            value="${c.name}"
                            required
                            maxlength="${CHANNEL_NAME_MAX}"
                          />`,
                      )}
                    </td>
                    <td>
                      ${button(
                        c.id,
                        'sequence',
                        W.setSequence,
                        html`<label class="skip" for="seq-${c.id}">${W.sequence}</label
                          ><input
                            id="seq-${c.id}"
                            name="sequence"
                            value="${c.sequence}"
                            inputmode="numeric"
                            pattern="[0-9]*"
                            maxlength="10"
                          />`,
                      )}
                    </td>
                    <td>
                      <span class="badge">${c.is_visible === 1 ? W.shown : W.hidden}</span>
                      ${c.is_default === 1 ? html`<span class="badge">${W.defaultMark}</span>` : ''}
                    </td>
                    <td>
                      <div class="row">
                        ${button(c.id, 'up', W.up)} ${button(c.id, 'down', W.down)}
                        ${c.is_visible === 1 ? button(c.id, 'hide', W.hide) : button(c.id, 'show', W.show)}
                        ${
                          c.is_default === 1
                            ? button(c.id, 'undefault', W.unsetDefault)
                            : button(c.id, 'default', W.makeDefault)
                        }
                      </div>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${view.next ? html`<a class="more" rel="next" href="${view.next}">${W.more}</a>` : ''}`;
}

const ACTIONS = ['rename', 'sequence', 'up', 'down', 'hide', 'show', 'default', 'undefault'] as const;
type Action = (typeof ACTIONS)[number];

/** A form's action as the service's edit; a missing or malformed value is the field's 400 there. */
function editOf(action: Action, name: string | undefined, sequence: string | undefined): ChannelEdit {
  switch (action) {
    case 'rename':
      return { name: name ?? '' };
    case 'sequence':
      return { sequence: /^[0-9]{1,10}$/.test(sequence ?? '') ? Number(sequence) : -1 };
    case 'up':
    case 'down':
      return { move: action };
    case 'hide':
    case 'show':
      return { visible: action === 'show' };
    case 'default':
    case 'undefault':
      return { isDefault: action === 'default' };
  }
}

/** A field's problem (400 naming it, or the name's 409), as a sentence for the page; other errors propagate. */
function problemOf(error: unknown, W: Words): { status: number; text: string } | null {
  if (!(error instanceof AppError) || typeof error.body !== 'object') return null;
  const field = Object.keys(error.body)[0];
  const text = field === undefined ? undefined : W.problems[field];
  return text === undefined ? null : { status: error.statusCode, text };
}

export const channelsSection: ConsoleSection = (r, kit) => {
  const admin = kit.ctx.services.channels.admin;

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    pageNo: number,
    extra: { notice?: string | null; problem?: string | null; draft?: string } = {},
  ) {
    const W = wordsOf(WORDS, request);
    const offset = (pageNo - 1) * CHANNEL_PAGE;
    const { rows, more } = await admin.list(offset, CHANNEL_PAGE);
    const body = channelsBody(W, {
      rows,
      offset,
      next: more ? `/admin/channels?page=${pageNo + 1}` : null,
      csrf: csrfToken(reply),
      notice: extra.notice ?? null,
      problem: extra.problem ?? null,
      draft: extra.draft ?? '',
    });
    return kit.page(request, reply, 'channels', W.title, body);
  }

  /** Runs a change; a field's problem shows the page again with it (and its 4xx status). */
  async function change(request: FastifyRequest, reply: FastifyReply, work: () => Promise<unknown>, draft = '') {
    try {
      await work();
    } catch (error) {
      const problem = problemOf(error, wordsOf(WORDS, request));
      if (!problem) throw error;
      reply.code(problem.status);
      return render(request, reply, 1, { problem: problem.text, draft });
    }
    return null;
  }

  r.get(
    '/admin/channels',
    { config: PAGE, schema: { hide: true, querystring: Type.Object({ ...PageQuery, ...DoneQuery }) } },
    async (request, reply) => {
      kit.adminOnly(request);
      const W = wordsOf(WORDS, request);
      return render(request, reply, request.query.page ?? 1, { notice: request.query.done ? W.done : null });
    },
  );

  r.post(
    '/admin/channels',
    {
      config: PAGE,
      preHandler: kit.csrf,
      schema: {
        hide: true,
        body: Type.Object({
          name: Type.String({ maxLength: 200 }),
          visible: Type.Optional(Type.Literal('1')),
          default: Type.Optional(Type.Literal('1')),
          ...CsrfField,
        }),
      },
    },
    async (request, reply) => {
      kit.adminOnly(request);
      const { name, visible, default: isDefault } = request.body;
      const actor = kit.staff(request).id;
      const failed = await change(
        request,
        reply,
        () => admin.create(actor, { name, visible: visible === '1', isDefault: isDefault === '1' }),
        name,
      );
      return failed ?? reply.redirect('/admin/channels?done=create', 303);
    },
  );

  r.post(
    '/admin/channels/:id',
    {
      config: PAGE,
      preHandler: kit.csrf,
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object({
          action: Type.Unsafe<Action>({ type: 'string', enum: [...ACTIONS] }),
          name: Type.Optional(Type.String({ maxLength: 200 })),
          sequence: Type.Optional(Type.String({ maxLength: 20 })),
          ...CsrfField,
        }),
      },
    },
    async (request, reply) => {
      kit.adminOnly(request);
      const id = toId(request.params.id, 'id');
      const { action, name, sequence } = request.body;
      const actor = kit.staff(request).id;
      const failed = await change(request, reply, () => admin.update(actor, id, editOf(action, name, sequence)));
      return failed ?? reply.redirect(`/admin/channels?done=${action}#channel-${id}`, 303);
    },
  );
};
