/**
 * `BrokenExecutorError`: a worker died under a job.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";

/**
 * The error of a job whose worker died while running it (an uncaught error
 * outside the job's own code, `process.exit()`, running out of memory):
 * Python's `BrokenProcessPool`. Unlike Python, only the jobs of that
 * worker fail; the pool replaces it and goes on. A worker that dies before
 * it starts (its program fails to load, its initializer throws or kills
 * it) breaks the pool, as in Python: every job fails, and so does every
 * later `submit()`. `cause` holds the error that killed the worker, where
 * there was one.
 *
 * @example Recognising a dead worker
 * ```ts
 * import { BrokenExecutorError } from "@aio/asyncio/executor";
 * import { RuntimeError } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const error = new BrokenExecutorError("The worker exited with code 1");
 * assert.ok(error instanceof RuntimeError);
 * assert.equal(error.name, "BrokenExecutorError");
 * ```
 */
export class BrokenExecutorError extends RuntimeError {
  /** Creates the error with a message and, optionally, its cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenExecutorError";
  }
}
