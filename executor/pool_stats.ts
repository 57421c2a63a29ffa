/**
 * What `WorkerPoolExecutor.stats()` reports, and the record of job times
 * it is computed from.
 *
 * @module
 */

/** Percentiles of a duration, in seconds, over the latest jobs. */
export interface Percentiles {
  /** The median. */
  p50: number;
  /** 90% of the jobs took at most this long. */
  p90: number;
  /** 99% of the jobs took at most this long. */
  p99: number;
  /** The longest. */
  max: number;
}

/** A snapshot of a pool, from `WorkerPoolExecutor.stats()`. */
export interface PoolStats {
  /** Workers started and not yet gone. */
  workers: number;
  /** Those of them that hold no job. */
  idle: number;
  /** Jobs waiting for a worker, in the pool's queue or in a worker's. */
  queued: number;
  /** Jobs running now. */
  running: number;
  /** Jobs that ended, with a result or an error, since the pool began. */
  completed: number;
  /**
   * How long the latest jobs (up to 1024) ran, in seconds, from their
   * start to their result reaching the host; 0 everywhere before any.
   */
  runTime: Percentiles;
  /** How long the same jobs waited, in seconds, from `submit()` to start. */
  waitTime: Percentiles;
}

const WINDOW = 1024;

/** The run and wait times of the latest `WINDOW` jobs. */
export class JobTimes {
  readonly #run = new Float64Array(WINDOW);
  readonly #wait = new Float64Array(WINDOW);
  #count = 0;

  /** Notes one job, with its times in milliseconds. */
  record(waitMs: number, runMs: number): void {
    const at = this.#count++ % WINDOW;
    this.#wait[at] = Math.max(0, waitMs) / 1000;
    this.#run[at] = Math.max(0, runMs) / 1000;
  }

  /** Jobs recorded since the start. */
  get count(): number {
    return this.#count;
  }

  /** The percentiles of run times. */
  runTime(): Percentiles {
    return percentiles(this.#run, Math.min(this.#count, WINDOW));
  }

  /** The percentiles of wait times. */
  waitTime(): Percentiles {
    return percentiles(this.#wait, Math.min(this.#count, WINDOW));
  }
}

function percentiles(samples: Float64Array, length: number): Percentiles {
  if (length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = samples.slice(0, length).sort();
  const at = (q: number) =>
    sorted[Math.min(length - 1, Math.floor(q * length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[length - 1] };
}
