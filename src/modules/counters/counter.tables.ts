/**
 * Marks of derived counters to set again (migration 0017-counter-marks; see counter.service.ts):
 * a write that moves a row counter summed into another row's counter inserts a mark in its own
 * transaction instead of locking that row, so the mark commits, or is lost, with the write itself.
 * Inserts only, each with its own id: concurrent writers never wait on one another here.
 */
export interface CounterMarksTable {
  id: bigint;
  /** The entity and row whose counter is derived (e.g. `user`, the author). */
  entity: string;
  row_id: bigint;
  field: string;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    counter_marks: CounterMarksTable;
  }
}
