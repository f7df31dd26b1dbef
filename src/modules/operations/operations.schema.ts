import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { ErrorCodeRef } from '../../platform/http/error-codes.js';

export const KindParams = Type.Object({
  kind: Type.Union([Type.Literal('reindex'), Type.Literal('recount')], {
    description: 'reindex: the search index from the database; recount: every row counter from the rows',
  }),
});
export const OperationParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,19}$' }) });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const OperationSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'reindex | recount' }),
  state: Type.String({ description: 'running | done | failed' }),
  phase: Nullable(
    Type.String({ description: 'reindex: index | sweep | vocabulary; recount: the entity (article, user, …)' }),
  ),
  done: Type.Integer({ description: 'items of the current phase done so far; equals total once done' }),
  total: Type.Integer(),
  startedAt: Type.String({ description: 'YYYY-MM-DDTHH:mm:ss in the site zone' }),
  finishedAt: Nullable(Type.String()),
  startedBy: Type.String({ description: 'user id of the admin who started it' }),
  result: Nullable(Type.Record(Type.String(), Type.Number(), { description: 'counts and ms, when done' })),
  error: Nullable(Type.String({ description: 'the failure, when failed' })),
});

export const OperationResponse = okSchema(OperationSchema);
export const RunningConflict = Type.Object({
  message: Type.String(),
  code: ErrorCodeRef,
  operation_id: Type.String({ description: 'the run of this kind still in progress' }),
});
