/** Media-platform statistics (M28–M30). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { toId } from '../../platform/http/ids.js';
import {
  ArticleParams,
  DETAIL_DESCRIPTION,
  DetailQuery,
  DetailResponse,
  FollowersResponse,
  TotalsQuery,
  TotalsResponse,
} from './mp-statistics.schema.js';
import type { StatisticsService } from './mp-statistics.service.js';

const bearer = [{ bearer: [] }];
const authErrors = { 401: ErrorResponses[401], 403: ErrorResponses[403] };

export function statisticsRoutes(app: FastifyInstance, service: StatisticsService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/mp/v1_0/statistics/articles',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['mp'],
        summary: 'Totals over the author’s approved articles (M28)',
        description:
          'Sums the counters of the author’s approved articles, optionally of one channel and published between ' +
          'begin_pubdate and end_pubdate (inclusive days). 400 "Invalid pubdate param." when begin is after end.',
        security: bearer,
        querystring: TotalsQuery,
        response: { 200: TotalsResponse, 400: ErrorResponses[400], ...authErrors },
      },
    },
    async (request) => {
      const { channel_id, ...dates } = request.query;
      const channelId = channel_id === undefined ? undefined : toId(channel_id, 'channel_id');
      return ok(await service.articleTotals(currentUser(request), { ...dates, channelId }));
    },
  );

  r.get(
    '/mp/v1_0/statistics/articles/:article_id',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['mp'],
        summary: 'Reading statistics of one of the author’s articles (M29)',
        description: DETAIL_DESCRIPTION,
        security: bearer,
        params: ArticleParams,
        querystring: DetailQuery,
        response: { 200: DetailResponse, 400: ErrorResponses[400], ...authErrors, 404: ErrorResponses[404] },
      },
    },
    async (request) =>
      ok(
        await service.articleDetail(currentUser(request), toId(request.params.article_id, 'article_id'), request.query),
      ),
  );

  r.get(
    '/mp/v1_0/statistics/followers',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['mp'],
        summary: 'The author’s followers by gender, age and device (M30)',
        description:
          'Counts over everyone following the author now. Gender from the profile; age from the profile birthday ' +
          '(left out without one); device from the follower’s most recently used session (left out when that is ' +
          'not iOS or Android).',
        security: bearer,
        response: { 200: FollowersResponse, ...authErrors },
      },
    },
    async (request) => ok(await service.followers(currentUser(request))),
  );
}
