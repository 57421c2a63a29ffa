/**
 * The messages between a pool and its workers. The host sends jobs in
 * batches (one array per message); each worker runs one job at a time, in
 * the order they arrive, and replies to each as it ends. The host sends a
 * function's source only the first time that worker meets it.
 *
 * @module
 */
import type { Packed } from "./error_transport.ts";

/** Host → worker: run a job (sent in a `RunMessage[]` batch). */
export interface RunMessage {
  /** The job's id (0 for the initializer), echoed in the reply. */
  id: number;
  /** A source function's cache id, or a module URL or specifier. */
  fn: number | string;
  /** The function body (first time only), or the export name. */
  code?: string;
  /** The arguments; for a chunk, one argument list per call. */
  args: unknown[];
  /** True when `args` holds many calls whose results form one array. */
  chunk?: boolean;
  /**
   * For a job sent behind others: the index of its shared cell, which
   * holds its id while it waits. The worker starts it only if it can still
   * claim it there (see `SHARED_CELLS`).
   */
  claim?: number;
}

/** Host → worker: the job with this id was cancelled. */
export interface AbortMessage {
  /** The id of the cancelled job. */
  abort: number;
}

/**
 * Worker → host: how a job ended. Job 0's reply comes first: the
 * initializer's, or, without one, an empty one once the worker runs.
 */
export type ReplyMessage =
  | { id: number; value: unknown }
  | { id: number; thrown: Packed };

/**
 * How many jobs a worker holds at most: the one it runs and those waiting
 * behind it, each with a claim cell of its own.
 */
export const JOBS_PER_WORKER = 64;

/** Where each Int32 cell lies in `WorkerSetup.cells`. */
export const SHARED_CELLS = {
  /** The id of a running job the host cancelled. */
  aborted: 0,
  /**
   * The first of the `JOBS_PER_WORKER` claim cells. A cell holds the id of
   * a waiting job, which either side may claim with a compare-and-exchange
   * to 0: the worker to start it, the host to take it back.
   */
  firstClaim: 1,
} as const;

/** What a worker is started with. */
export interface WorkerSetup {
  /** The Int32 cells shared with the host (see `SHARED_CELLS`). */
  cells: SharedArrayBuffer;
  /** `SHARED_CELLS`, for the worker's code, which imports nothing. */
  cellIndex: typeof SHARED_CELLS;
  /** The `Symbol.for` key under which `jobSignal()` finds the signal. */
  signalKey: string;
  /** The pool's initializer, run as job 0 before any other. */
  init: RunMessage | null;
}
