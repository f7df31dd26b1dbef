/**
 * The operator's console at /admin/ (issue 15): server-rendered pages for moderators and admins,
 * signed in through the reader site's session cookie, writing through the same services and the
 * same role rules as the admin API (/admin/v1_0/…). The role is read from the database on every
 * request, so a demotion holds at once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Role } from '../../platform/http/access.js';
import { dependencyChecks, probe } from '../../platform/health-checks.js';
import { packageInfo } from '../../platform/package-info.js';
import { forbidden } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import { htmlToText } from '../../platform/search/index.js';
import type { Html } from '../../platform/web/html.js';
import type { AppContext } from '../module.js';
import { reviewFlags } from '../mp-articles/mp-article.presenter.js';
import { BULK_MAX } from '../moderation/moderation.service.js';
import { ROLES } from '../user-admin/user-admin.service.js';
import { checkLedger } from '../payments/ledger-check.js';
import { pageAssets } from '../web/web.assets.js';
import { sendPage } from '../web/web.render.js';
import { csrfToken, registerWebSession } from '../web/web.session.js';
import { langOf } from '../web/web.views.js';
import {
  consoleLayout,
  announcementsBody,
  earningsBody,
  paymentsBody,
  systemBody,
  queueBody,
  reportsBody,
  reviewBody,
  userBody,
  usersBody,
  type ConsoleShell,
} from './console.pages.js';
import { createConsoleReadModel, DAY_MS, ORDER_STATUSES, type OrderFilter } from './console.read-model.js';
import { zoneOffsetMs } from './console.dashboard.js';
import { auditSection } from './console.audit.js';
import { channelsSection } from './console.channels.js';
import { commentsSection } from './console.comments.js';
import { dashboardSection } from './console.dashboard.js';
import { operationsSection } from './console.operations.js';
import { wordsSection } from './console.words.js';
import {
  adminOnly,
  consoleRouter,
  consoleText,
  CsrfField,
  IdParams,
  LIST_PAGE,
  PAGE,
  PageQuery,
  type ConsoleKit,
  type ConsoleSection,
} from './console.kit.js';

const STAFF: readonly Role[] = ['moderator', 'admin'];
/** Keyset paging: the last id of the page before (lists newest first). */
const Cursor = Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' }));
const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const PaymentsQuery = Type.Object({
  status: Type.Optional(Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)))),
  buyer: Type.Optional(Type.String({ pattern: '^([0-9]{1,19})?$' })),
  author: Type.Optional(Type.String({ pattern: '^([0-9]{1,19})?$' })),
  from: Type.Optional(Type.Union([DATE, Type.Literal('')])),
  to: Type.Optional(Type.Union([DATE, Type.Literal('')])),
  done: Type.Optional(Type.String({ maxLength: 20 })),
  before: Cursor,
});
type PaymentsQuery = Static<typeof PaymentsQuery>;
const ID_CARD_FIELDS = ['id_card_front', 'id_card_back', 'id_card_handheld'] as const;
/** ID-card links on the user page live ten minutes: long enough to look, short if copied. */
const ID_CARD_LINK_SECONDS = 600;
/** The console's sections in their own files; each registers its routes in the staff-only scope. */
const SECTIONS: readonly ConsoleSection[] = [
  dashboardSection,
  auditSection,
  operationsSection,
  wordsSection,
  commentsSection,
  channelsSection,
];
const QUEUE_PAGE = 20;

declare module 'fastify' {
  interface FastifyRequest {
    /** The console's signed-in staff member and their role (checked per request). */
    staff?: { id: bigint; role: Role; name: string };
  }
}

export async function consoleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { services, platform, present } = ctx;
  const files = pageAssets();
  const readModel = createConsoleReadModel(platform.db);
  const textOf = consoleText;

  function page(
    request: FastifyRequest,
    reply: FastifyReply,
    current: ConsoleShell['current'],
    title: string,
    body: Html,
  ) {
    const shell: ConsoleShell = {
      lang: langOf(request),
      ...files,
      csrf: csrfToken(reply),
      staffName: request.staff!.name,
      current,
      admin: request.staff!.role === 'admin',
    };
    return sendPage(reply.header('cache-control', 'no-store'), consoleLayout(textOf(request), shell, title, body));
  }

  await app.register(async (scope) => {
    await registerWebSession(scope, ctx);
    // Staff only: signed-out visitors sign in first; other readers get a 403 page (as the API's 403).
    scope.addHook('preHandler', async (request, reply) => {
      if (!request.reader) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      const role = await services.auth.sessions.authenticator.roleOf(request.reader.id);
      if (!role || !STAFF.includes(role)) throw forbidden(textOf(request).staffOnly, 'role_required');
      const me = await services.users.profiles.me(request.reader.id);
      request.staff = { id: request.reader.id, role, name: me.name };
      return undefined;
    });
    const r = consoleRouter(scope);
    const kit: ConsoleKit = {
      ctx,
      readModel,
      page,
      textOf,
      adminOnly,
      csrf: scope.csrfProtection,
      staff: (request) => request.staff!,
    };
    for (const section of SECTIONS) section(r, kit);

    r.get(
      '/admin/review',
      {
        config: PAGE,
        schema: {
          hide: true,
          querystring: Type.Object({
            status: Type.Optional(Type.Union([1, 2, 3, 5].map((s) => Type.Literal(s)))),
            page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
            done: Type.Optional(Type.String({ maxLength: 10 })),
            ok: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
            skipped: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          }),
        },
      },
      async (request, reply) => {
        const T = textOf(request);
        const status = request.query.status ?? 1;
        const queue = await services.moderation.queue({
          statuses: [status],
          page: request.query.page ?? 1,
          perPage: QUEUE_PAGE,
        });
        const rows = queue.rows.map((row) => ({
          id: row.id,
          title: row.title,
          author: row.aut_name,
          status: row.status,
          flags: reviewFlags(row.review_flags),
          submitted: present.time.plain(row.updated_at),
        }));
        const next =
          queue.page * queue.perPage < queue.total ? `/admin/review?status=${status}&page=${queue.page + 1}` : null;
        const { done, ok, skipped } = request.query;
        const notice = done === 'bulk' ? T.bulkDone(ok ?? 0, skipped ?? 0) : done ? T.done : null;
        return page(request, reply, 'review', T.review, queueBody(T, status, rows, next, notice, csrfToken(reply)));
      },
    );

    r.get(
      '/admin/review/:id',
      { config: PAGE, schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 24 }) }) } },
      async (request, reply) => {
        const T = textOf(request);
        const { article, history } = await services.moderation.detail(toId(request.params.id, 'id'));
        const body = reviewBody(T, {
          id: article.id,
          title: article.title,
          author: article.aut_name,
          status: article.status,
          priceCents: article.price_cents,
          flags: reviewFlags(article.review_flags),
          content: article.content,
          text: htmlToText(article.content),
          version: article.updated_at,
          history: history.map((d) => ({
            who: d.moderator_name ?? String(d.moderator_id),
            decision: d.decision,
            reason: d.reason,
            at: present.time.plain(d.created_at),
          })),
          csrf: csrfToken(reply),
        });
        return page(request, reply, 'review', article.title, body);
      },
    );

    const Csrf = CsrfField._csrf;

    r.get(
      '/admin/users',
      {
        config: PAGE,
        schema: {
          hide: true,
          querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 50 })), before: Cursor }),
        },
      },
      async (request, reply) => {
        const T = textOf(request);
        const q = (request.query.q ?? '').trim();
        const before = request.query.before === undefined ? undefined : BigInt(request.query.before);
        const { rows, more } = await readModel.users(q, before, LIST_PAGE);
        const next = more ? `/admin/users?q=${encodeURIComponent(q)}&before=${rows[rows.length - 1]!.id}` : null;
        const views = rows.map((u) => ({
          id: u.id,
          name: u.name,
          mobile: u.mobile,
          role: u.role,
          banned: u.status !== 1,
          verified: u.verified === 1,
          joined: present.time.plain(u.created_at),
        }));
        return page(request, reply, 'users', T.users, usersBody(T, q, views, next));
      },
    );

    r.get(
      '/admin/users/:id',
      {
        config: PAGE,
        schema: {
          hide: true,
          params: IdParams,
          querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) }),
        },
      },
      async (request, reply) => {
        const T = textOf(request);
        const id = BigInt(request.params.id);
        const { user, history } = await services.userAdmin.detail(id);
        const sessions = await services.auth.signIn.sessions(id);
        const staff = request.staff!;
        // What the service would allow: moderators act on plain users, admins on moderators too,
        // nobody on an admin or on themselves (the service checks again).
        const mayAct =
          id !== staff.id && user.role !== 'admin' && (user.role !== 'moderator' || staff.role === 'admin');
        const actions = !mayAct
          ? []
          : [user.status === 1 ? 'ban' : 'unban', user.verified === 1 ? 'unverify' : 'verify'];
        const idCards = ID_CARD_FIELDS.flatMap((field) => {
          const key = user[field];
          return key ? [{ label: T.idCardLabels[field], url: ctx.privateMedia.url(key, ID_CARD_LINK_SECONDS) }] : [];
        });
        const articles = (await readModel.userArticles(id)).map((a) => ({
          id: a.id,
          title: a.title,
          status: a.status,
          at: present.time.plain(a.updated_at),
        }));
        const body = userBody(T, {
          user: {
            id: user.id,
            name: user.name,
            mobile: user.mobile,
            role: user.role,
            banned: user.status !== 1,
            verified: user.verified === 1,
            joined: present.time.plain(user.created_at),
          },
          sessions: sessions.map((s) => ({
            client: s.client,
            userAgent: s.user_agent,
            lastUsed: present.time.plain(s.last_used_at),
          })),
          history: history.map((h) => ({
            action: h.action,
            reason: h.reason,
            at: present.time.plain(h.created_at),
            by: h.moderator_name ?? String(h.moderator_id),
          })),
          actions,
          roleChoices: staff.role === 'admin' && id !== staff.id ? ROLES : [],
          idCards,
          articles,
          csrf: csrfToken(reply),
          notice: request.query.done ? T.done : null,
        });
        return page(request, reply, 'users', user.name, body);
      },
    );

    r.post(
      '/admin/users/:id/actions',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          params: IdParams,
          body: Type.Object({
            action: Type.Union([
              Type.Literal('ban'),
              Type.Literal('unban'),
              Type.Literal('verify'),
              Type.Literal('unverify'),
            ]),
            reason: Type.Optional(Type.String({ maxLength: 1000 })),
            _csrf: Csrf,
          }),
        },
      },
      async (request, reply) => {
        const staff = request.staff!;
        const id = BigInt(request.params.id);
        await services.userAdmin.act({ id: staff.id, role: staff.role }, id, request.body.action, request.body.reason);
        return reply.redirect(`/admin/users/${id}?done=${request.body.action}`, 303);
      },
    );

    r.post(
      '/admin/users/:id/role',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          params: IdParams,
          body: Type.Object({
            role: Type.Union(ROLES.map((role) => Type.Literal(role))),
            _csrf: Csrf,
          }),
        },
      },
      async (request, reply) => {
        adminOnly(request);
        const id = BigInt(request.params.id);
        await services.userAdmin.setRole(request.staff!, id, request.body.role);
        return reply.redirect(`/admin/users/${id}?done=role`, 303);
      },
    );

    /** A calendar day in the platform's zone → the instant it starts (ms). */
    const dayStart = (date: string) => {
      const utc = Date.parse(`${date}T00:00:00Z`);
      return utc - zoneOffsetMs(platform.config.timeZone, utc);
    };

    async function paymentsPage(
      request: FastifyRequest,
      reply: FastifyReply,
      query: PaymentsQuery,
      notice: string | null,
      ledger: Awaited<ReturnType<typeof checkLedger>> | null,
    ) {
      const T = textOf(request);
      const status = query.status ?? 'paid';
      const filter: OrderFilter = {
        status,
        ...(query.buyer ? { buyerId: BigInt(query.buyer) } : {}),
        ...(query.author ? { authorId: BigInt(query.author) } : {}),
        ...(query.from ? { from: dayStart(query.from) } : {}),
        ...(query.to ? { to: dayStart(query.to) + DAY_MS } : {}),
      };
      const before = query.before === undefined ? undefined : BigInt(query.before);
      const { rows, more } = await readModel.orders(filter, before, LIST_PAGE);
      const params = new URLSearchParams({ status });
      for (const key of ['buyer', 'author', 'from', 'to'] as const) if (query[key]) params.set(key, query[key]);
      return page(
        request,
        reply,
        'payments',
        T.payments,
        paymentsBody(T, {
          status,
          filters: { buyer: query.buyer ?? '', author: query.author ?? '', from: query.from ?? '', to: query.to ?? '' },
          statuses: ORDER_STATUSES,
          rows: rows.map((o) => ({
            id: o.id,
            kind: o.kind,
            subject: o.subject,
            buyerId: o.buyer_id,
            amountCents: o.amount_cents,
            refundedCents: o.refunded_cents,
            at: present.time.plain(o.paid_at ?? o.created_at),
            refundable: o.status === 'paid' && o.refunded_cents < o.amount_cents,
          })),
          next: more ? `/admin/payments?${params.toString()}&before=${rows[rows.length - 1]!.id}` : null,
          csrf: csrfToken(reply),
          notice,
          ledger: ledger && {
            ok: ledger.ok,
            orders: ledger.orders,
            entries: ledger.entries,
            problems: ledger.problems,
            problemCount: ledger.problemCount,
          },
        }),
      );
    }

    r.get(
      '/admin/payments',
      {
        config: PAGE,
        schema: {
          hide: true,
          querystring: PaymentsQuery,
        },
      },
      async (request, reply) => {
        adminOnly(request);
        const notice = request.query.done ? textOf(request).done : null;
        return paymentsPage(request, reply, request.query, notice, null);
      },
    );

    r.get(
      '/admin/payments/earnings',
      { config: PAGE, schema: { hide: true, querystring: Type.Object({ ...PageQuery }) } },
      async (request, reply) => {
        adminOnly(request);
        const T = textOf(request);
        const pageNo = request.query.page ?? 1;
        const { rows, more } = await readModel.earnings((pageNo - 1) * LIST_PAGE, LIST_PAGE);
        const next = more ? `/admin/payments/earnings?page=${pageNo + 1}` : null;
        return page(request, reply, 'payments', T.earnings, earningsBody(T, rows, next));
      },
    );

    r.post(
      '/admin/payments/ledger-check',
      { config: PAGE, preHandler: scope.csrfProtection, schema: { hide: true, body: Type.Object({ _csrf: Csrf }) } },
      async (request, reply) => {
        adminOnly(request);
        return paymentsPage(request, reply, {}, null, await checkLedger(platform.db));
      },
    );

    r.post(
      '/admin/payments/:id/refund',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          params: IdParams,
          body: Type.Object({
            yuan: Type.Optional(Type.String({ pattern: '^([0-9]{1,7}(\\.[0-9]{1,2})?)?$' })),
            confirm: Type.Literal('1'),
            _csrf: Csrf,
          }),
        },
      },
      async (request, reply) => {
        adminOnly(request);
        const yuan = request.body.yuan;
        const cents = yuan ? Math.round(Number(yuan) * 100) : undefined;
        const { order } = await services.payments.refund(request.staff!.id, BigInt(request.params.id), cents);
        return reply.redirect(`/admin/payments?status=${order.status}&done=refund`, 303);
      },
    );

    r.get(
      '/admin/announcements',
      {
        config: PAGE,
        schema: { hide: true, querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) }) },
      },
      async (request, reply) => {
        adminOnly(request);
        const T = textOf(request);
        const list = await services.announcements.list({ page: 1, perPage: 50, offset: 0 });
        const rows = list.rows.map((a) => ({ id: a.id, title: a.title, at: present.time.plain(a.published_at) }));
        const notice = request.query.done ? T.done : null;
        return page(
          request,
          reply,
          'announcements',
          T.announcements,
          announcementsBody(T, { rows, csrf: csrfToken(reply), notice }),
        );
      },
    );

    r.post(
      '/admin/announcements',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          body: Type.Object({
            title: Type.String({ minLength: 1, maxLength: 100 }),
            content: Type.String({ minLength: 1, maxLength: 5000 }),
            _csrf: Csrf,
          }),
        },
      },
      async (request, reply) => {
        adminOnly(request);
        // The service stores it and announces it to connected readers (as the admin API does).
        await services.announcements.publish(request.staff!.id, {
          title: request.body.title.trim(),
          content: request.body.content,
        });
        return reply.redirect('/admin/announcements?done=publish', 303);
      },
    );

    r.get(
      '/admin/reports',
      {
        config: PAGE,
        schema: {
          hide: true,
          querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })), ...PageQuery }),
        },
      },
      async (request, reply) => {
        const T = textOf(request);
        const pageNo = request.query.page ?? 1;
        const { rows, more } = await readModel.reportGroups((pageNo - 1) * LIST_PAGE, LIST_PAGE);
        const body = reportsBody(T, {
          rows: rows.map((g) => ({ ...g, latest: present.time.plain(g.latest) })),
          next: more ? `/admin/reports?page=${pageNo + 1}` : null,
          csrf: csrfToken(reply),
          notice: request.query.done ? T.done : null,
        });
        return page(request, reply, 'reports', T.reports, body);
      },
    );

    r.post(
      '/admin/reports/:id',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          params: IdParams,
          body: Type.Object({
            action: Type.Union([Type.Literal('take-down'), Type.Literal('restore'), Type.Literal('dismiss')]),
            reason: Type.Optional(Type.String({ maxLength: 1000 })),
            _csrf: Csrf,
          }),
        },
      },
      async (request, reply) => {
        const id = BigInt(request.params.id);
        const { action, reason } = request.body;
        const staffId = request.staff!.id;
        // Taking down is a ban and restoring an approval, through moderation (logged with who and
        // why); a dismissal removes the reports, and the article stays as it is.
        if (action === 'take-down') await services.moderation.decide(staffId, id, 'ban', reason);
        else if (action === 'restore') await services.moderation.decide(staffId, id, 'approve', reason);
        else await services.engagement.dismissReports(staffId, id);
        return reply.redirect(`/admin/reports?done=${action}`, 303);
      },
    );

    r.get('/admin/system', { config: PAGE, schema: { hide: true } }, async (request, reply) => {
      adminOnly(request);
      const T = textOf(request);
      const config = platform.config;
      const settings: [string, string][] = [
        ['NODE_ENV', config.env],
        ['PUBLIC_URL', config.publicUrl],
        ['DATABASE_URL', `${platform.dialect} (${maskUrl(config.databaseUrl)})`],
        ['REDIS_URL', config.redisUrl ? maskUrl(config.redisUrl) : '—'],
        ['kv / jobs', `${platform.kv.kind} / ${platform.jobs.kind}`],
        ['JWT_SECRET', `****** (${config.jwtSecretSource})`],
        ['TIME_ZONE', config.timeZone],
        ['REVIEW_POLICY', config.reviewPolicy],
        ['SMS', config.sms.provider],
        ['STORAGE', config.storage.kind],
        ['TRUST_PROXY', JSON.stringify(config.trustProxy)],
      ];
      const body = systemBody(T, {
        // The readiness probes, and the two the console also shows: the job queue and the search index.
        checks: await Promise.all([
          dependencyChecks(platform),
          probe(() => platform.jobs.stats()),
          probe(() => services.search.ping()),
        ]).then(([checks, jobs, search]) => ({ ...checks, jobs, search })),
        settings,
        version: packageInfo().version,
        uptimeSeconds: Math.floor(process.uptime()),
      });
      return page(request, reply, 'system', T.system, body);
    });

    r.post(
      '/admin/review/bulk',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          body: Type.Object({
            // One box ticked arrives as a string, several as an array.
            targets: Type.Union([
              Type.String({ pattern: '^[0-9]{1,19}$' }),
              Type.Array(Type.String({ pattern: '^[0-9]{1,19}$' }), { maxItems: BULK_MAX }),
            ]),
            decision: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('ban')]),
            reason: Type.Optional(Type.String({ maxLength: 1000 })),
            status: Type.Optional(Type.Union([1, 2, 3, 5].map((s) => Type.Literal(String(s))))),
            _csrf: Csrf,
          }),
        },
      },
      async (request, reply) => {
        const { targets, decision, reason, status } = request.body;
        const ids = (Array.isArray(targets) ? targets : [targets]).map((id) => BigInt(id));
        const outcomes = await services.moderation.decideMany(request.staff!.id, ids, decision, reason);
        const ok = outcomes.filter((o) => o.ok).length;
        return reply.redirect(
          `/admin/review?status=${status ?? 1}&done=bulk&ok=${ok}&skipped=${outcomes.length - ok}`,
          303,
        );
      },
    );

    r.post(
      '/admin/review/:id/decision',
      {
        config: PAGE,
        preHandler: scope.csrfProtection,
        schema: {
          hide: true,
          params: Type.Object({ id: Type.String({ maxLength: 24 }) }),
          body: Type.Object({
            decision: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('ban')]),
            reason: Type.Optional(Type.String({ maxLength: 1000 })),
            version: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })),
            _csrf: Type.Optional(Type.String({ maxLength: 200 })),
          }),
        },
      },
      async (request, reply) => {
        const id = toId(request.params.id, 'id');
        const { decision, reason, version } = request.body;
        const result = await services.moderation.decide(
          request.staff!.id,
          id,
          decision,
          reason,
          version === undefined ? undefined : Number(version),
        );
        return reply.redirect(`/admin/review?status=${result.fromStatus}&done=${decision}`, 303);
      },
    );
  });
}

/** A connection URL with its password (and user) hidden: what the console may show. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '******';
    return url.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//******@');
  }
}
