/** Scheduler port entry point: one implementation, made single- or multi-instance by the kv store it is given. */
export type { Scheduler } from './scheduler.js';
export { KvScheduler, type KvSchedulerOptions, type SchedulerLogger } from './kv-scheduler.js';
