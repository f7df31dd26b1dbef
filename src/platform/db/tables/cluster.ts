/**
 * Cluster bookkeeping (migration 0010-worker-leases): which process holds which Snowflake worker
 * id, used when there is no Redis. Every live process of the site has one row; expired rows are
 * free to be taken over (platform/cluster/leases.ts).
 */
import type { ColumnType } from 'kysely';

export interface WorkerLeasesTable {
  /** 0..1023, the Snowflake worker bits (arrives as bigint: an `_id` column). */
  worker_id: bigint;
  /** Random token of the holding process; only it may extend or release the lease. */
  owner: string;
  /** The holder's node: processes sharing a DATA_DIR share it (see nodeId in platform/cluster/membership.ts). */
  node: string;
  /** 1 while the holder runs the cron scheduler. */
  scheduler: number;
  /** Milliseconds since the epoch after which anyone may take the id over. */
  expires_at: number;
  /** Bumped on every heartbeat so MySQL counts the UPDATE as a change even within one millisecond. */
  beats: ColumnType<number, number | undefined, number>;
}

export interface ClusterTables {
  worker_leases: WorkerLeasesTable;
}
