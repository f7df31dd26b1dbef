/**
 * Table types for Kysely. Conventions that the dialect layer enforces on every result row:
 * columns named `id` or `*_id` are ids and arrive as bigint; every other integer arrives as a
 * JS number; times are integer milliseconds since the Unix epoch; flags are 0/1 integers (the one
 * boolean representation all three databases share).
 */
import type { ColumnType } from 'kysely';
import type { ClusterTables } from './tables/cluster.js';
import type { SearchTables } from './tables/search.js';

/** Counter columns: default 0 in the database, so optional on insert. */
export type Counter = ColumnType<number, number | undefined, number>;
export type Flag = ColumnType<number, number | undefined, number>;

/** Rows that link two ids (who follows whom, who collected what…). */
export type Pair<L extends string, R extends string> = { created_at: number } & { [K in L | R]: bigint };

/**
 * Every table. The platform declares its own (cluster leases, the search index); each feature module
 * adds its tables in its `*.tables.ts` by augmenting this interface, so a feature's schema lives in
 * its folder and the platform never names a feature table.
 */
export interface Database extends ClusterTables, SearchTables {}
