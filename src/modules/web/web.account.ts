/**
 * Signing in and out on the site, and the reader's own pages. Sign-in goes through the same
 * services as the app's (SMS code with its limits, or username/email and password), opening a
 * server session of client `web` whose refresh token becomes the httpOnly cookie. Every page
 * here is `no-store`: it holds a form token or the reader's own data.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../platform/http/errors.js';
import type { Html } from '../../platform/web/html.js';
import { MOBILE } from '../auth/auth.schema.js';
import type { TokenPair } from '../auth/session.service.js';
import { FEED_PAGE_SIZE } from '../articles/article.service.js';
import type { AppContext } from '../module.js';
import type { LoginView, MeSection } from './web.account.pages.js';
import type { SiteRenderer } from './web.render.js';
import { csrfToken, localPath, wantsJson } from './web.session.js';
import type { Text } from './web.text.js';
import { LANG_COOKIE, viewsFor } from './web.views.js';

const FORM_CONFIG = { auth: 'public', page: true } as const;
/** The site shares the app's limits: per number and per address, whichever client asks. */
const SMS_LIMITS = [
  {
    rule: '1/minute;5/hour;10/day',
    key: (r: FastifyRequest) => (r.body as { mobile?: string } | undefined)?.mobile,
    scope: 'sms-mobile',
    onStoreError: 'closed' as const,
  },
  { rule: '100/hour;300/day', key: 'ip' as const, scope: 'sms-ip', onStoreError: 'closed' as const },
];
const SIGN_IN_LIMITS = [
  { rule: '60/minute;600/hour', key: 'ip' as const, scope: 'sign-in-ip', onStoreError: 'closed' as const },
];
/** The client waits this long before asking for another code (the first rule above). */
const RESEND_SECONDS = 60;
const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

const Next = Type.Optional(Type.String({ maxLength: 2000 }));
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const PageQuery = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });

const device = (request: FastifyRequest) => ({ userAgent: request.headers['user-agent'] ?? '', ip: request.ip });

/** A wrong code, a wrong password, a disabled account: said on the form, not on an error page. */
function signInProblem(TEXT: Text, error: unknown): string | null {
  if (!(error instanceof AppError)) return null;
  if (error.code === 'invalid_sms_code') return TEXT.badCode;
  if (error.code === 'invalid_credentials') return TEXT.badPassword;
  if (error.code === 'account_disabled') return TEXT.accountDisabled;
  if (error.code === 'rate_limited') {
    const seconds = Number(error.headers?.['retry-after'] ?? RESEND_SECONDS);
    return TEXT.tooFast(seconds);
  }
  return null;
}

export function accountRoutes(app: FastifyInstance, { services, platform, present }: AppContext, site: SiteRenderer) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const demoCode = platform.config.auth.demoSmsCode;
  const iso = (ms: number) => present.time.iso(ms);

  function loginPage(request: FastifyRequest, reply: FastifyReply, view: Omit<LoginView, 'csrf' | 'demoCode'>) {
    const v = viewsFor(request);
    return site.privatePage(request, reply, {
      meta: {
        title: v.TEXT.signIn,
        description: v.TEXT.signInIntro,
        canonical: `${site.origin}/login`,
        noindex: true,
      },
      current: null,
      body: v.loginBody({ ...view, csrf: csrfToken(reply), demoCode }),
    });
  }

  /** The form again, 400, when the number is not a mobile number. */
  function badMobile(request: FastifyRequest, reply: FastifyReply, next: string) {
    const text = viewsFor(request).TEXT.badMobile;
    return loginPage(request, reply.code(400), { next, mobile: '', message: { kind: 'error', text }, resendIn: 0 });
  }

  /**
   * A sign-in attempt: the session cookie and the way on, or the form again saying what was wrong
   * (wrong code or password, disabled account, too many tries) with the error's status.
   */
  async function signInWith(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { next: string; mobile: string },
    attempt: () => Promise<TokenPair>,
  ) {
    try {
      return reply.signIn((await attempt()).refresh_token).redirect(form.next, 303);
    } catch (error) {
      const text = signInProblem(viewsFor(request).TEXT, error);
      if (text === null) throw error;
      reply.code((error as AppError).statusCode);
      return loginPage(request, reply, { ...form, message: { kind: 'error', text }, resendIn: 0 });
    }
  }

  /** The reader's own pages: signed-out visitors are sent to sign in and brought back. */
  function meOnly(request: FastifyRequest, reply: FastifyReply): bigint | null {
    if (request.reader) return request.reader.id;
    void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return null;
  }

  const socketClient = site.assets.get('socket.io.js')!.path;

  function mePage(request: FastifyRequest, reply: FastifyReply, section: MeSection, title: string, body: Html) {
    const v = viewsFor(request);
    return site.privatePage(request, reply, {
      meta: {
        title,
        description: v.TEXT.meTitle,
        canonical: `${site.origin}${request.url}`,
        noindex: true,
        // Notifications arrive live on their page: the Socket.IO client loads there only.
        ...(section === 'notifications' ? { scripts: [socketClient] } : {}),
      },
      current: null,
      body: v.meLayout(section, body),
    });
  }

  const nextLink = (path: string, page: number, total: number, perPage: number) =>
    page * perPage < total ? `${path}?page=${page + 1}` : null;

  r.get(
    '/lang/:lang',
    {
      config: FORM_CONFIG,
      schema: {
        hide: true,
        params: Type.Object({ lang: Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]) }),
        querystring: Type.Object({ next: Next }),
      },
    },
    async (request, reply) =>
      reply
        .setCookie(LANG_COOKIE, request.params.lang, {
          path: '/',
          sameSite: 'lax',
          httpOnly: true,
          secure: 'auto',
          maxAge: 365 * 24 * 3600,
        })
        .header('cache-control', 'no-store')
        .redirect(localPath(request.query.next), 303),
  );

  r.get(
    '/login',
    {
      config: FORM_CONFIG,
      schema: {
        hide: true,
        querystring: Type.Object({ next: Next, mobile: Type.Optional(Type.String({ maxLength: 20 })), sent: Next }),
      },
    },
    async (request, reply) => {
      const v = viewsFor(request);
      const next = localPath(request.query.next);
      if (request.reader) return reply.redirect(next, 303);
      const mobile = MOBILE.test(request.query.mobile ?? '') ? request.query.mobile! : '';
      const sent = request.query.sent === '1' && mobile !== '';
      return loginPage(request, reply, {
        next,
        mobile,
        message: sent ? { kind: 'info', text: v.TEXT.codeSent(mobile) } : null,
        resendIn: sent ? RESEND_SECONDS : 0,
      });
    },
  );

  r.post(
    '/login/code',
    {
      config: { ...FORM_CONFIG, rateLimit: SMS_LIMITS },
      preHandler: app.csrfProtection,
      schema: {
        hide: true,
        body: Type.Object({
          mobile: Type.String({ maxLength: 20 }),
          next: Next,
          _csrf: Csrf,
          code: Type.Optional(Type.String()),
        }),
      },
    },
    async (request, reply) => {
      const v = viewsFor(request);
      const { mobile } = request.body;
      const next = localPath(request.body.next);
      if (!MOBILE.test(mobile)) {
        if (wantsJson(request)) throw new AppError('invalid_field', { mobile: v.TEXT.badMobile });
        return badMobile(request, reply, next);
      }
      await services.auth.signIn.sendCode(mobile);
      if (wantsJson(request)) return { mobile, resend_in: RESEND_SECONDS, message: v.TEXT.codeSent(mobile) };
      return reply.redirect(`/login?mobile=${mobile}&sent=1&next=${encodeURIComponent(next)}`, 303);
    },
  );

  r.post(
    '/login',
    {
      config: { ...FORM_CONFIG, rateLimit: SIGN_IN_LIMITS },
      preHandler: app.csrfProtection,
      schema: {
        hide: true,
        body: Type.Object({
          mobile: Type.String({ maxLength: 20 }),
          code: Type.String({ maxLength: 10 }),
          next: Next,
          _csrf: Csrf,
        }),
      },
    },
    async (request, reply) => {
      const { mobile, code } = request.body;
      const next = localPath(request.body.next);
      if (!MOBILE.test(mobile)) return badMobile(request, reply, next);
      return signInWith(request, reply, { next, mobile }, () =>
        services.auth.signIn.signInApp(mobile, code.trim(), device(request), false, 'web'),
      );
    },
  );

  r.post(
    '/login/password',
    {
      config: { ...FORM_CONFIG, rateLimit: SIGN_IN_LIMITS },
      preHandler: app.csrfProtection,
      schema: {
        hide: true,
        body: Type.Object({
          login: Type.String({ maxLength: 100 }),
          password: Type.String({ maxLength: 200 }),
          next: Next,
          _csrf: Csrf,
        }),
      },
    },
    async (request, reply) => {
      const { login, password } = request.body;
      return signInWith(request, reply, { next: localPath(request.body.next), mobile: '' }, () =>
        services.auth.passwords.signIn(login.trim(), password, device(request), false, 'web'),
      );
    },
  );

  r.post(
    '/logout',
    {
      config: FORM_CONFIG,
      preHandler: app.csrfProtection,
      schema: { hide: true, body: Type.Object({ _csrf: Csrf }) },
    },
    async (request, reply) => {
      if (request.reader) await services.auth.signIn.signOut(request.reader.sessionId);
      return reply.signOut().redirect('/', 303);
    },
  );

  r.get(
    '/me',
    { config: FORM_CONFIG, schema: { hide: true, querystring: Type.Object({ saved: Next }) } },
    async (request, reply) => {
      const v = viewsFor(request);
      const userId = meOnly(request, reply);
      if (userId === null) return reply;
      const me = await services.users.profiles.me(userId);
      const profile = (await services.users.profiles.publicProfile(userId, undefined)).user;
      return mePage(
        request,
        reply,
        'profile',
        v.TEXT.meTitle,
        v.profileFormBody({
          csrf: csrfToken(reply),
          id: userId,
          name: me.name,
          intro: me.intro ?? '',
          photo: present.avatar(me.photo),
          saved: request.query.saved === '1',
          counts: { following: profile.follow_count, fans: profile.fans_count, articles: profile.art_count },
        }),
      );
    },
  );

  r.post(
    '/me/profile',
    {
      config: FORM_CONFIG,
      preHandler: app.csrfProtection,
      schema: {
        hide: true,
        body: Type.Object({
          name: Type.String({ maxLength: 100 }),
          intro: Type.Optional(Type.String({ maxLength: 1000 })),
          _csrf: Csrf,
        }),
      },
    },
    async (request, reply) => {
      const userId = meOnly(request, reply);
      if (userId === null) return reply;
      await services.users.profiles.updateAppProfile(userId, {
        name: request.body.name.trim(),
        intro: (request.body.intro ?? '').trim(),
      });
      return reply.redirect('/me?saved=1', 303);
    },
  );

  // The avatar form is multipart: parsed in its own scope, fields included, so the CSRF check
  // finds `_csrf` in the body like everywhere else.
  app.register(async (upload) => {
    await upload.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { files: 1, fileSize: AVATAR_MAX_BYTES, fields: 4, parts: 5 },
    });
    upload.post(
      '/me/photo',
      { config: FORM_CONFIG, preHandler: app.csrfProtection, schema: { hide: true } },
      async (request, reply) => {
        const userId = meOnly(request, reply);
        if (userId === null) return reply;
        // keyValues: text fields as strings, the file as a Buffer (within the size limit above).
        const photo = (request.body as { photo?: unknown } | undefined)?.photo;
        if (!Buffer.isBuffer(photo) || photo.length === 0)
          throw new AppError('invalid_field', { photo: 'is required: choose an image file' });
        await services.users.profiles.saveImages(userId, [{ field: 'photo', bytes: photo }]);
        return reply.redirect('/me?saved=1', 303);
      },
    );
  });

  const listPage = (section: 'collections' | 'history') =>
    r.get(
      `/me/${section}`,
      { config: FORM_CONFIG, schema: { hide: true, querystring: PageQuery } },
      async (request, reply) => {
        const v = viewsFor(request);
        const userId = meOnly(request, reply);
        if (userId === null) return reply;
        const page = request.query.page ?? 1;
        const query = { page, per_page: FEED_PAGE_SIZE };
        const list =
          section === 'collections'
            ? await services.engagement.collections(userId, query)
            : await services.engagement.histories(userId, query);
        const cards = await services.articles.cards(list.rows.map((row) => row.id));
        const title = section === 'collections' ? v.TEXT.collections : v.TEXT.history;
        const next = nextLink(`/me/${section}`, page, list.total, FEED_PAGE_SIZE);
        return mePage(request, reply, section, title, v.feedBody(title, cards, next, 2));
      },
    );
  listPage('collections');
  listPage('history');

  const peoplePage = (section: 'following' | 'followers') =>
    r.get(
      `/me/${section}`,
      { config: FORM_CONFIG, schema: { hide: true, querystring: PageQuery } },
      async (request, reply) => {
        const v = viewsFor(request);
        const userId = meOnly(request, reply);
        if (userId === null) return reply;
        const page = request.query.page ?? 1;
        const perPage = 20;
        const list = await services.relations.list(section === 'following' ? 'followings' : 'followers', userId, {
          offset: (page - 1) * perPage,
          limit: perPage,
        });
        const rows = list.rows.map((row) => ({
          id: row.id,
          name: row.name,
          photo: present.avatar(row.photo),
          mutual: row.mutual,
        }));
        const title = section === 'following' ? v.TEXT.following : v.TEXT.followers;
        return mePage(
          request,
          reply,
          section,
          title,
          v.peopleBody(rows, nextLink(`/me/${section}`, page, list.total, perPage)),
        );
      },
    );
  peoplePage('following');
  peoplePage('followers');

  r.get(
    '/me/notifications',
    { config: FORM_CONFIG, schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const v = viewsFor(request);
      const userId = meOnly(request, reply);
      if (userId === null) return reply;
      const page = request.query.page ?? 1;
      const perPage = 20;
      const list = await services.notifications.list(userId, { page, perPage, offset: (page - 1) * perPage });
      const rows = list.rows.map((row) => ({
        id: row.id,
        type: row.type,
        actorName: row.actor_name ?? '',
        articleId: row.article_id,
        at: iso(row.created_at),
        read: row.is_read === 1,
      }));
      const next = nextLink('/me/notifications', page, list.total, perPage);
      return mePage(
        request,
        reply,
        'notifications',
        v.TEXT.notifications,
        v.notificationsBody(csrfToken(reply), rows, next),
      );
    },
  );

  r.post(
    '/me/notifications/read',
    { config: FORM_CONFIG, preHandler: app.csrfProtection, schema: { hide: true, body: Type.Object({ _csrf: Csrf }) } },
    async (request, reply) => {
      const userId = meOnly(request, reply);
      if (userId === null) return reply;
      const marked = await services.notifications.markRead(userId);
      if (wantsJson(request)) return { marked };
      return reply.redirect('/me/notifications', 303);
    },
  );

  r.get('/me/devices', { config: FORM_CONFIG, schema: { hide: true } }, async (request, reply) => {
    const v = viewsFor(request);
    const userId = meOnly(request, reply);
    if (userId === null) return reply;
    const sessions = await services.auth.signIn.sessions(userId);
    const rows = sessions.map((s) => ({
      id: s.id,
      client: s.client,
      userAgent: s.user_agent,
      ip: s.ip,
      lastUsed: iso(s.last_used_at),
      current: s.id === request.reader?.sessionId,
    }));
    return mePage(request, reply, 'devices', v.TEXT.devices, v.devicesBody(csrfToken(reply), rows));
  });

  r.post(
    '/me/devices/:id/revoke',
    {
      config: FORM_CONFIG,
      preHandler: app.csrfProtection,
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,20}$' }) }),
        body: Type.Object({ _csrf: Csrf }),
      },
    },
    async (request, reply) => {
      const userId = meOnly(request, reply);
      if (userId === null) return reply;
      const revoked = await services.auth.signIn.revokeSession(userId, BigInt(request.params.id));
      if (!revoked) throw new AppError('not_found', 'Session not found.');
      return reply.redirect('/me/devices', 303);
    },
  );

  /** Where Alipay (or the simulator) sends the payer back: the article, now in full, or a thank-you. */
  services.payments.setResultPage(async (request, reply, result) => {
    const v = viewsFor(request);
    let back = '/';
    let kind: 'article' | 'tip' | null = null;
    // The payments scope reads no cookie: who is back is asked here, to name their order only to them.
    const reader = await services.auth.sessions.authenticator.authenticateCookie?.(request.headers.cookie);
    if (result.order && reader?.userId === result.order.buyerId) {
      kind = result.order.kind;
      if (result.order.articleId !== null) back = `/articles/${result.order.articleId}`;
    }
    return site.privatePage(request, reply, {
      meta: {
        title: v.TEXT.payResult[result.status],
        description: v.TEXT.payResult[result.status],
        canonical: `${site.origin}/payments/result`,
        noindex: true,
      },
      current: null,
      body: v.payResultBody({ status: result.status, kind, back }),
    });
  });
}
