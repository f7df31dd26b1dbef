/**
 * Collects rows written on a hot path and writes them in batches: one multi-row INSERT per
 * interval (or per `maxRows`) instead of one round trip per request. For telemetry only: a crash
 * loses what is still buffered (at most one interval), and a failed batch is logged and dropped,
 * so nothing whose loss matters may go through here.
 */
export interface BatchWriterOptions<T> {
  write(rows: T[]): Promise<void>;
  /** A batch this large is written at once. */
  maxRows?: number;
  /** Rows wait at most this long. */
  intervalMs?: number;
  onError(error: unknown, rows: number): void;
}

export class BatchWriter<T> {
  private rows: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxRows: number;
  private readonly intervalMs: number;

  constructor(private readonly options: BatchWriterOptions<T>) {
    this.maxRows = options.maxRows ?? 500;
    this.intervalMs = options.intervalMs ?? 1_000;
  }

  get pending(): number {
    return this.rows.length;
  }

  add(row: T): void {
    this.rows.push(row);
    if (this.rows.length >= this.maxRows) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything added so far; resolves when it is in the database (or logged as lost). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.rows;
    this.rows = [];
    // Batches are written one after another, so a flush also waits for the one before it.
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.options.write(batch);
      } catch (error) {
        this.options.onError(error, batch.length);
      }
    });
    return this.writing;
  }
}
