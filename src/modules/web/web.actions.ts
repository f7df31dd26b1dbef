/**
 * What a signed-in reader does on the site: like, collect, follow, comment and reply, buy a paid
 * article, tip an author. Each is a plain form post that answers with a redirect back to the
 * page (works without JavaScript); the site's script sends the same form with fetch and
 * `Accept: application/json` and gets the new state instead. All go through the services the
 * app's API uses, with the same rules (visibility, ownership, limits).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import type { AppContext } from '../module.js';
import { articlePath, userPath } from './web.pages.js';
import type { SiteRenderer } from './web.render.js';
import { localPath, wantsJson } from './web.session.js';

const ACTION_CONFIG = { auth: 'public', page: true } as const;
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,20}$' }) });
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const ToggleBody = Type.Object({
  on: Type.Union([Type.Literal('0'), Type.Literal('1')]),
  back: Type.Optional(Type.String({ maxLength: 2000 })),
  _csrf: Csrf,
});
const CommentBody = Type.Object({ content: Type.String({ maxLength: 4000 }), _csrf: Csrf });

/** Phones get Alipay's mobile cashier, other browsers the desktop one. */
const payChannel = (request: FastifyRequest) =>
  /Mobile|Android|iPhone|iPad/i.test(request.headers['user-agent'] ?? '') ? ('wap' as const) : ('pc' as const);

export function actionRoutes(app: FastifyInstance, { services }: AppContext, _site: SiteRenderer): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const options = <S extends object>(schema: S) => ({
    config: ACTION_CONFIG,
    preHandler: app.csrfProtection,
    schema: { hide: true, params: IdParams, ...schema },
  });

  /** Writes need a reader: a fetch gets a 401, a form is sent to sign in and brought back. */
  function readerOr(request: FastifyRequest, reply: FastifyReply, back: string): bigint | null {
    if (request.reader) return request.reader.id;
    if (wantsJson(request)) throw new AppError('unauthorized', 'User must be authorized.');
    void reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
    return null;
  }

  async function articleCounts(articleId: bigint) {
    const [card] = await services.articles.cards([articleId]);
    return card;
  }

  r.post('/articles/:id/like', options({ body: ToggleBody }), async (request, reply) => {
    const id = toId(request.params.id, 'id');
    const back = localPath(request.body.back, articlePath(id));
    const userId = readerOr(request, reply, back);
    if (userId === null) return reply;
    const on = request.body.on === '1';
    await (on ? services.engagement.like(userId, id) : services.engagement.unlike(userId, id));
    if (wantsJson(request)) return { on, count: (await articleCounts(id))?.like_count ?? 0 };
    return reply.redirect(`${back}#actions`, 303);
  });

  r.post('/articles/:id/collect', options({ body: ToggleBody }), async (request, reply) => {
    const id = toId(request.params.id, 'id');
    const back = localPath(request.body.back, articlePath(id));
    const userId = readerOr(request, reply, back);
    if (userId === null) return reply;
    const on = request.body.on === '1';
    await (on ? services.engagement.collect(userId, id) : services.engagement.uncollect(userId, id));
    if (wantsJson(request)) return { on, count: (await articleCounts(id))?.collect_count ?? 0 };
    return reply.redirect(`${back}#actions`, 303);
  });

  r.post('/users/:id/follow', options({ body: ToggleBody }), async (request, reply) => {
    const target = toId(request.params.id, 'id');
    const back = localPath(request.body.back, userPath(target));
    const userId = readerOr(request, reply, back);
    if (userId === null) return reply;
    const on = request.body.on === '1';
    await (on ? services.relations.follow(userId, target) : services.relations.unfollow(userId, target));
    if (wantsJson(request)) return { on };
    return reply.redirect(back, 303);
  });

  r.post('/articles/:id/comments', options({ body: CommentBody }), async (request, reply) => {
    const id = toId(request.params.id, 'id');
    const userId = readerOr(request, reply, `${articlePath(id)}#comments`);
    if (userId === null) return reply;
    const { comment } = await services.comments.create({ userId, target: id, content: request.body.content });
    if (wantsJson(request)) return { id: comment.id.toString() };
    return reply.redirect(`${articlePath(id)}#c${comment.id}`, 303);
  });

  r.post(
    '/articles/:id/comments/:comment',
    {
      config: ACTION_CONFIG,
      preHandler: app.csrfProtection,
      schema: {
        hide: true,
        params: Type.Object({
          id: Type.String({ pattern: '^[0-9]{1,20}$' }),
          comment: Type.String({ pattern: '^[0-9]{1,20}$' }),
        }),
        body: CommentBody,
      },
    },
    async (request, reply) => {
      const id = toId(request.params.id, 'id');
      const parent = toId(request.params.comment, 'comment');
      const here = `${articlePath(id)}/comments/${parent}`;
      const userId = readerOr(request, reply, here);
      if (userId === null) return reply;
      const { comment } = await services.comments.create({
        userId,
        target: parent,
        articleId: id,
        content: request.body.content,
      });
      if (wantsJson(request)) return { id: comment.id.toString() };
      return reply.redirect(`${here}#c${comment.id}`, 303);
    },
  );

  r.post(
    '/search/history/clear',
    {
      config: ACTION_CONFIG,
      preHandler: app.csrfProtection,
      schema: { hide: true, body: Type.Object({ _csrf: Csrf }) },
    },
    async (request, reply) => {
      const userId = readerOr(request, reply, '/search');
      if (userId === null) return reply;
      await services.search.history.clear(userId);
      if (wantsJson(request)) return { cleared: true };
      return reply.redirect('/search', 303);
    },
  );

  r.post('/articles/:id/buy', options({ body: Type.Object({ _csrf: Csrf }) }), async (request, reply) => {
    const id = toId(request.params.id, 'id');
    const userId = readerOr(request, reply, articlePath(id));
    if (userId === null) return reply;
    try {
      const { payUrl } = await services.payments.createOrder(userId, {
        kind: 'article',
        articleId: id,
        channel: payChannel(request),
      });
      return reply.redirect(payUrl, 303);
    } catch (error) {
      // Bought meanwhile (another tab, the app): the full text is what they came for.
      if (error instanceof AppError && error.code === 'conflict' && /already own/.test(String(error.message)))
        return reply.redirect(articlePath(id), 303);
      throw error;
    }
  });

  r.post(
    '/articles/:id/tip',
    options({ body: Type.Object({ yuan: Type.String({ pattern: '^[0-9]{1,5}$' }), _csrf: Csrf }) }),
    async (request, reply) => {
      const id = toId(request.params.id, 'id');
      const userId = readerOr(request, reply, articlePath(id));
      if (userId === null) return reply;
      const { payUrl } = await services.payments.createOrder(userId, {
        kind: 'tip',
        articleId: id,
        amount: Number(request.body.yuan) * 100,
        channel: payChannel(request),
      });
      return reply.redirect(payUrl, 303);
    },
  );
}
