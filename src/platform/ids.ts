/**
 * Snowflake ids (seed 000): time | worker | sequence, so ids are unique across processes that
 * have distinct worker ids and grow with time (newest-first is "id descending"). Each process
 * leases its worker id (platform/cluster/membership.ts) and asks for it at every mint.
 *
 * Two layouts share one generator:
 * - `content` ids (articles, comments): the classic 64-bit layout, 41 bits of milliseconds,
 *   10 bits of worker and 12 bits of sequence. They reach 19 digits and travel as bigint.
 * - `user` ids: 53 bits in all (32 bits of seconds, 10 of worker, 11 of sequence), so every user
 *   id is a safe JavaScript integer. The apps compare `user_id` decoded from the JWT with plain
 *   JSON.parse against ids from the API, which only works below 2^53 (contract §1.5). 2,048 sign-ups
 *   per second per worker is far above need; past it the generator waits for the next second.
 */
export const ID_EPOCH_MS = Date.UTC(2024, 0, 1);

export interface SnowflakeLayout {
  /** Milliseconds per timestamp unit (1 for ms, 1000 for seconds). */
  unitMs: number;
  timestampBits: number;
  workerBits: number;
  sequenceBits: number;
}

export const CONTENT_LAYOUT: SnowflakeLayout = { unitMs: 1, timestampBits: 41, workerBits: 10, sequenceBits: 12 };
export const USER_LAYOUT: SnowflakeLayout = { unitMs: 1000, timestampBits: 32, workerBits: 10, sequenceBits: 11 };

export class ClockMovedBackError extends Error {
  constructor(readonly driftMs: number) {
    super(`Clock moved back by ${driftMs} ms; refusing to generate ids that could repeat`);
    this.name = 'ClockMovedBackError';
  }
}

export interface SnowflakeOptions {
  /**
   * The worker bits: a fixed id, or a function asked at every mint (a leased id, which may change
   * after a lost lease, and which throws while no lease is held so nothing is minted unfenced).
   */
  workerId: number | (() => number);
  layout?: SnowflakeLayout;
  /** A backward step up to this many ms (NTP slew) is waited out; a larger one is an error. */
  maxBackwardMs?: number;
  now?: () => number;
}

export class Snowflake {
  readonly #layout: SnowflakeLayout;
  readonly #worker: () => number;
  readonly #maxWorker: number;
  readonly #maxSequence: number;
  readonly #maxBackwardMs: number;
  readonly #now: () => number;
  #lastUnit = -1;
  #sequence = 0;

  constructor(options: SnowflakeOptions) {
    this.#layout = options.layout ?? CONTENT_LAYOUT;
    this.#maxWorker = 2 ** this.#layout.workerBits - 1;
    const { workerId } = options;
    if (typeof workerId === 'number') this.#checkWorker(workerId);
    this.#worker = typeof workerId === 'number' ? () => workerId : workerId;
    this.#maxSequence = 2 ** this.#layout.sequenceBits - 1;
    this.#maxBackwardMs = options.maxBackwardMs ?? 2_000;
    this.#now = options.now ?? Date.now;
  }

  #checkWorker(workerId: number): number {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > this.#maxWorker) {
      throw new RangeError(`workerId must be an integer from 0 to ${this.#maxWorker}`);
    }
    return workerId;
  }

  #unit(): number {
    return Math.floor((this.#now() - ID_EPOCH_MS) / this.#layout.unitMs);
  }

  #waitUntilAfter(unit: number): number {
    let current = this.#unit();
    // Busy-wait: the wait is at most one unit (or a small clock slew) and ids are needed synchronously.
    while (current <= unit) current = this.#unit();
    return current;
  }

  next(): bigint {
    // Asked first: a process without a valid lease must fail before touching the sequence.
    const worker = BigInt(this.#checkWorker(this.#worker()));
    let unit = this.#unit();
    if (unit < this.#lastUnit) {
      const driftMs = (this.#lastUnit - unit) * this.#layout.unitMs;
      if (driftMs > this.#maxBackwardMs) throw new ClockMovedBackError(driftMs);
      unit = this.#waitUntilAfter(this.#lastUnit - 1);
    }
    if (unit === this.#lastUnit) {
      this.#sequence = (this.#sequence + 1) & this.#maxSequence;
      if (this.#sequence === 0) unit = this.#waitUntilAfter(unit);
    } else {
      this.#sequence = 0;
    }
    if (unit >= 2 ** this.#layout.timestampBits) throw new RangeError('Snowflake timestamp overflow');
    this.#lastUnit = unit;
    const { workerBits, sequenceBits } = this.#layout;
    return (
      (BigInt(unit) << BigInt(workerBits + sequenceBits)) | (worker << BigInt(sequenceBits)) | BigInt(this.#sequence)
    );
  }
}

/** Milliseconds since the Unix epoch at which a content id was generated (useful for tests and debugging). */
export function contentIdTime(id: bigint): number {
  return Number(id >> 22n) + ID_EPOCH_MS;
}

export interface IdGenerators {
  content(): bigint;
  user(): bigint;
}

export function createIdGenerators(workerId: number | (() => number)): IdGenerators {
  const content = new Snowflake({ workerId, layout: CONTENT_LAYOUT });
  const user = new Snowflake({ workerId, layout: USER_LAYOUT });
  return { content: () => content.next(), user: () => user.next() };
}
