import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { describeAccess, type RouteAccess } from '../../platform/http/access.js';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { WordChangeResponse, WordListResponse, WordsBody, WordsQuery } from './sensitive-words.schema.js';
import type { SensitiveWordsService } from './sensitive-words.service.js';

const bearer = [{ bearer: [] }];
const TAGS = ['admin'];
const ADMIN: RouteAccess = { roles: ['admin'] };
const adminOnly = describeAccess(ADMIN);
const errors = { 400: ErrorResponses[400], 401: ErrorResponses[401], 403: ErrorResponses[403] };
const EFFECT = 'Effective at once on this instance and within seconds on the others; logged in the audit log.';

/** The sensitive-word list the review policy screens submissions with (admins). */
export function sensitiveWordRoutes(
  app: FastifyInstance,
  words: SensitiveWordsService,
  present: PresenterContext,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { auth: 'required', access: ADMIN } as const;

  r.get(
    '/admin/v1_0/sensitive-words',
    {
      config,
      schema: {
        tags: TAGS,
        summary: 'The sensitive-word list, in word order, paged',
        description: adminOnly,
        security: bearer,
        querystring: WordsQuery,
        response: { 200: WordListResponse, ...errors },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const perPage = request.query.per_page ?? 100;
      const { rows, total } = await words.page(page, perPage);
      return ok({
        total_count: total,
        page,
        per_page: perPage,
        results: rows.map((row) => ({
          word: row.word,
          added_by: row.added_by === null ? null : String(row.added_by),
          added_by_name: row.added_by_name,
          added_at: present.time.plain(row.added_at),
        })),
      });
    },
  );

  const change = (
    method: 'POST' | 'PUT' | 'DELETE',
    summary: string,
    act: (actor: bigint, list: string[]) => ReturnType<SensitiveWordsService['add']>,
  ) =>
    r.route({
      method,
      url: '/admin/v1_0/sensitive-words',
      config,
      schema: {
        tags: TAGS,
        summary,
        description: `${adminOnly} ${EFFECT}`,
        security: bearer,
        body: WordsBody,
        response: { 200: WordChangeResponse, ...errors },
      },
      handler: async (request) => ok(await act(currentUser(request), request.body.words)),
    });

  change('POST', 'Add words (those already listed are skipped)', (actor, list) => words.add(actor, list));
  change('PUT', 'Replace the whole list with these words', (actor, list) => words.replace(actor, list));
  change('DELETE', 'Remove words', (actor, list) => words.remove(actor, list));
}
