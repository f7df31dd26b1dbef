/**
 * A Kysely plugin that counts the statements the app executes. Counting happens in
 * transformResult, which Kysely calls once per executed query: transformQuery also runs for every
 * subquery (each builder's node is transformed) and for `.compile()` without execution, so
 * counting there would overcount. Statements that fail are not counted (no result), nor are
 * BEGIN/COMMIT (drivers send them directly) or migrations (run before the plugin is attached).
 */
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';

const OPERATIONS: Record<string, QueryOperation> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

export class QueryCounterPlugin implements KyselyPlugin {
  // The root query's kind, remembered until its result comes back (subqueries' entries are
  // never read and go with their builders).
  readonly #operations = new WeakMap<QueryId, QueryOperation>();

  constructor(private readonly onQuery: (operation: QueryOperation) => void) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#operations.set(args.queryId, OPERATIONS[args.node.kind] ?? 'other');
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.onQuery(this.#operations.get(args.queryId) ?? 'other');
    return args.result;
  }
}
