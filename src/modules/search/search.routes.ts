import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { APP_LIST, clampPage } from '../../platform/http/paging.js';
import {
  HistoriesResponse,
  MpSearchResponse,
  SearchQuerystring,
  SearchResponse,
  SuggestionQuerystring,
  SuggestionResponse,
} from './search.schema.js';
import type { SearchService } from './search.service.js';

/** A04–A07 and M16. */
export function searchRoutes(app: FastifyInstance, service: SearchService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/app/v1_0/suggestion',
    {
      config: { auth: 'public', cache: { maxAge: 60 } },
      schema: {
        tags: ['search'],
        summary: 'Suggestions: completions, pinyin and spelling corrections (A07)',
        querystring: SuggestionQuerystring,
        response: { 200: SuggestionResponse, 400: ErrorResponses[400] },
      },
    },
    async (request) => ok({ options: await service.suggest(request.query.q) }),
  );

  r.get(
    '/app/v1_0/search',
    {
      config: { auth: 'optional', cache: { maxAge: 30 } },
      schema: {
        tags: ['search'],
        summary: 'Full-text search over approved articles (A05)',
        querystring: SearchQuerystring,
        response: { 200: SearchResponse, 400: ErrorResponses[400], 401: ErrorResponses[401] },
      },
    },
    async (request) => {
      const { page, perPage } = clampPage(request.query, APP_LIST);
      return ok(await service.search({ q: request.query.q, page, perPage, userId: request.userId ?? null }));
    },
  );

  r.get(
    '/app/v1_0/search/histories',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['search'],
        summary: 'The signed-in user’s recent search keywords (A06)',
        response: { 200: HistoriesResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request) => ok({ keywords: await service.history.list(currentUser(request)) }),
  );

  r.delete(
    '/app/v1_0/search/histories',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['search'],
        summary: 'Clear the search history (A04)',
        response: { 204: NoContent, 401: ErrorResponses[401], 403: ErrorResponses[403] },
      },
    },
    async (request, reply) => {
      await service.history.clear(currentUser(request));
      return reply.code(204).send();
    },
  );

  // M16 is also served by the mp-articles module (title substring, newest first). Until one of the
  // two is dropped, the first registration wins so that the app boots either way; this one runs
  // full-text (title and body, Chinese segmentation, ranked) through the same search port.
  if (app.hasRoute({ method: 'GET', url: '/mp/v1_0/search' })) return;
  r.get(
    '/mp/v1_0/search',
    {
      config: { auth: 'mp' },
      schema: {
        tags: ['mp'],
        summary: 'Search the author’s own articles (M16)',
        querystring: SearchQuerystring,
        response: {
          200: MpSearchResponse,
          400: ErrorResponses[400],
          401: ErrorResponses[401],
          403: ErrorResponses[403],
        },
      },
    },
    async (request) => {
      const { page, perPage } = clampPage(request.query, APP_LIST);
      return ok(await service.mpSearch({ q: request.query.q, page, perPage, userId: currentUser(request) }));
    },
  );
}
