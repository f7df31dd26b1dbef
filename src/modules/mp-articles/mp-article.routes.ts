import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentCatalog } from '../channels/channel.presenter.js';
import { ChannelListResponse } from '../channels/channel.schema.js';
import type { ChannelService } from '../channels/channel.service.js';
import { presentArticle, presentList } from './mp-article.presenter.js';
import {
  ArticleBody,
  ArticleParams,
  ArticleResponse,
  DraftQuery,
  ListQuery,
  ListResponse,
  WrittenResponse,
} from './mp-article.schema.js';
import type { ArticleInput, MpArticleService } from './mp-article.service.js';

const bearer = [{ bearer: [] }];
const mpErrors = { 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] };
const TAGS = ['mp-articles'];

const articleInput = (body: Static<typeof ArticleBody>): ArticleInput => ({
  title: body.title,
  content: body.content,
  cover: body.cover,
  channelId: toId(body.channel_id, 'channel_id'),
  price: body.price,
});

/**
 * M10–M15: the media platform's channels and the author's own articles. (M16, searching them, is
 * the search module's: full text over title and body.)
 */
export function mpArticleRoutes(
  app: FastifyInstance,
  service: MpArticleService,
  channels: ChannelService,
  present: PresenterContext,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/mp/v1_0/channels',
    {
      config: { auth: 'public', cache: { maxAge: 300 } },
      schema: {
        tags: TAGS,
        summary: 'All channels (M10), the same list as A31',
        response: { 200: ChannelListResponse },
      },
    },
    async () => ok(presentCatalog(await channels.catalog())),
  );

  r.get(
    '/mp/v1_0/articles',
    {
      config: { auth: 'mp' },
      schema: {
        tags: TAGS,
        summary: 'Your articles, newest first (M11)',
        description:
          'Three shapes: response_type absent {id, title, status, cover, pubdate}; `comment` {id, title, comment_status, ' +
          'total_comment_count, fans_comment_count}; `statistic` {id, title, comment_count, read_count, like_count, repost_count, ' +
          'collect_count}. `comment` and `statistic` list approved articles only. status and channel_id repeat ' +
          '(status=1&status=2); status 4 lists deleted articles when asked for. Dates are YYYY-MM-DD in the site time zone, ' +
          'end inclusive; begin after end is 400 {"end_pubdate": "Invalid pubdate param. …"}. per_page is clamped to 10–100; ' +
          'total_count counts exactly what the filter pages through.',
        security: bearer,
        querystring: ListQuery,
        response: { 200: ListResponse, ...mpErrors },
      },
    },
    async (request) => {
      const q = request.query;
      const list = await service.list(currentUser(request), {
        statuses: q.status,
        channelIds: q.channel_id?.map((id) => toId(id, 'channel_id')),
        begin: q.begin_pubdate,
        end: q.end_pubdate,
        page: q.page,
        perPage: q.per_page,
        responseType: q.response_type,
      });
      return ok(presentList(present, list));
    },
  );

  r.post(
    '/mp/v1_0/articles',
    {
      config: { auth: 'mp' },
      schema: {
        tags: TAGS,
        summary: 'Write an article (M12): draft=true saves a draft (0), otherwise it is submitted for review (1)',
        description:
          'The content is sanitized (scripts, event handlers, iframes and images from other sites are removed). Under the ' +
          'auto review policy a submission without sensitive words is approved at once (status 2 in the answer). ' +
          '400 names the field: title (5–30 characters, plain text), content (empty), cover ("Invalid cover param."), ' +
          'channel_id ("Invalid channel id."), price.',
        security: bearer,
        querystring: DraftQuery,
        body: ArticleBody,
        response: { 201: WrittenResponse, ...mpErrors },
      },
    },
    async (request, reply) => {
      const written = await service.create(
        currentUser(request),
        articleInput(request.body),
        request.query.draft ?? false,
      );
      return reply.code(201).send(ok(written));
    },
  );

  r.get(
    '/mp/v1_0/articles/:target',
    {
      config: { auth: 'mp' },
      schema: {
        tags: TAGS,
        summary: 'One of your articles, to edit it (M13)',
        description: '404 "The article does not exist." for unknown, deleted, banned and other authors’ articles.',
        security: bearer,
        params: ArticleParams,
        response: { 200: ArticleResponse, ...mpErrors, 404: ErrorResponses[404] },
      },
    },
    async (request) =>
      ok(presentArticle(present, await service.get(currentUser(request), toId(request.params.target, 'target')))),
  );

  r.put(
    '/mp/v1_0/articles/:target',
    {
      config: { auth: 'mp' },
      schema: {
        tags: TAGS,
        summary: 'Edit one of your articles (M14); status becomes 0 (draft=true) or 1 (review again)',
        description:
          'Same body and rules as M12; an approved article leaves the app until it is approved again (its first publish ' +
          'time is kept). 400 "Invalid article." for other authors’, deleted and banned articles; 409 when a moderator ' +
          'changed it at the same instant.',
        security: bearer,
        params: ArticleParams,
        querystring: DraftQuery,
        body: ArticleBody,
        response: { 201: WrittenResponse, ...mpErrors, 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      const id = toId(request.params.target, 'target');
      const written = await service.update(
        currentUser(request),
        id,
        articleInput(request.body),
        request.query.draft ?? false,
      );
      return reply.code(201).send(ok(written));
    },
  );

  r.delete(
    '/mp/v1_0/articles/:target',
    {
      config: { auth: 'mp' },
      schema: {
        tags: TAGS,
        summary: 'Delete one of your articles (M15): soft delete, status 4',
        description:
          'Allowed from draft, pending, approved (it leaves the app) and rejected. 400 "Invalid article." for other authors’ ' +
          'articles and for deleted or banned ones.',
        security: bearer,
        params: ArticleParams,
        response: { 204: NoContent, ...mpErrors, 409: ErrorResponses[409] },
      },
    },
    async (request, reply) => {
      await service.remove(currentUser(request), toId(request.params.target, 'target'));
      return reply.code(204).send();
    },
  );
}
