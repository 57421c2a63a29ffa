/**
 * The options of `new WorkerPoolExecutor()`, read and checked at once.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";
import {
  checkInteger,
  checkOptions,
  checkSeconds,
  describe,
} from "../internal/validate.ts";
import {
  cpuCount,
  HONOURS_RESOURCE_LIMITS,
  RESOURCE_LIMITS,
  type ResourceLimits,
} from "../internal/worker_host.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { copyArguments, scanArguments } from "./arguments.ts";
import { type ModuleFunction, prepareCallable } from "./callable.ts";
import type { RunMessage } from "./protocol.ts";

export type { ResourceLimits };

/** Options of `new WorkerPoolExecutor()`. */
export interface WorkerPoolOptions {
  /**
   * The most workers running at once; workers start as jobs arrive. The
   * default is the number of CPU cores (see the class documentation).
   */
  maxWorkers?: number | null;
  /**
   * Workers started at once and kept while idle, so that the first jobs
   * do not wait for a worker to start; 0 by default. At most `maxWorkers`.
   */
  minWorkers?: number;
  /**
   * Seconds after which an idle worker above `minWorkers` exits; `null`
   * (the default) keeps idle workers, which never keep the process alive.
   */
  idleTimeout?: number | null;
  /**
   * The most jobs waiting for a worker (`stats().queued`); past it
   * `submit()` throws `QueueFull`, `waitForRoom()` waits for room, and
   * `map()` submits its calls as room frees up. `null` (the default): no
   * limit.
   */
  maxQueue?: number | null;
  /**
   * Jobs a worker runs before it is replaced by a fresh one (to bound
   * leaks); `null` (the default): no limit.
   */
  maxTasksPerChild?: number | null;
  /**
   * Called in each worker, with `initargs`, before its first job: a
   * self-contained function or `{ module, name }`, as for `submit()`. If
   * it throws, the pool is broken, as in Python: the jobs fail, and so
   * does every later `submit()`, with `BrokenExecutorError`.
   */
  initializer?: ((...args: never[]) => unknown) | ModuleFunction | null;
  /** The arguments of `initializer`, copied once at construction. */
  initargs?: unknown[];
  /**
   * Memory limits of each worker. A worker that exceeds them fails its
   * job with `BrokenExecutorError` and is replaced. Honoured on Node
   * only: Deno and Bun start workers without limits, so there the option
   * is a `RuntimeError` rather than a promise the pool cannot keep.
   */
  resourceLimits?: ResourceLimits;
  /**
   * Seconds a cancelled running job gets to stop by itself (it sees
   * `jobSignal()` aborted) before its worker is terminated and replaced;
   * `null` never terminates it. The default is 1.
   */
  gracePeriod?: number | null;
  /**
   * The loop the futures belong to. When omitted, the loop running at each
   * `submit()`, or none: then the future settles by itself, and a task
   * that awaits it later awaits, cancellably, a future of its own loop.
   */
  loop?: AbstractEventLoop | null;
}

/** The options, checked, with their defaults. */
export interface PoolSettings {
  maxWorkers: number;
  minWorkers: number;
  idleTimeout: number | null;
  maxQueue: number | null;
  maxTasksPerChild: number | null;
  init: RunMessage | null;
  limits: ResourceLimits | undefined;
  gracePeriod: number | null;
  loop: AbstractEventLoop | null;
}

const CALLER = "new WorkerPoolExecutor()";
const DEFAULT_GRACE_PERIOD = 1;

/** Reads `options`: a `TypeError` or `RangeError` for anything amiss. */
export function readPoolOptions(options: unknown): PoolSettings {
  const given = checkOptions<WorkerPoolOptions>(options, CALLER, [
    "maxWorkers",
    "minWorkers",
    "idleTimeout",
    "maxQueue",
    "maxTasksPerChild",
    "initializer",
    "initargs",
    "resourceLimits",
    "gracePeriod",
    "loop",
  ]);
  const maxWorkers = given.maxWorkers == null
    ? cpuCount()
    : checkInteger(given.maxWorkers, "maxWorkers", 1);
  const minWorkers = given.minWorkers === undefined
    ? 0
    : checkInteger(given.minWorkers, "minWorkers", 0);
  if (minWorkers > maxWorkers) {
    throw new RangeError(
      `minWorkers (${minWorkers}) must not exceed maxWorkers (${maxWorkers})`,
    );
  }
  return {
    maxWorkers,
    minWorkers,
    idleTimeout: nonNegativeSeconds(given.idleTimeout, "idleTimeout", null),
    maxQueue: given.maxQueue == null
      ? null
      : checkInteger(given.maxQueue, "maxQueue", 0),
    maxTasksPerChild: given.maxTasksPerChild == null
      ? null
      : checkInteger(given.maxTasksPerChild, "maxTasksPerChild", 1),
    init: readInitializer(given.initializer, given.initargs),
    limits: readLimits(given.resourceLimits),
    gracePeriod: nonNegativeSeconds(
      given.gracePeriod,
      "gracePeriod",
      DEFAULT_GRACE_PERIOD,
    ),
    loop: given.loop ?? null,
  };
}

function nonNegativeSeconds(
  value: unknown,
  what: string,
  byDefault: number | null,
): number | null {
  if (value === undefined) return byDefault;
  if (value === null) return null;
  const seconds = checkSeconds(value, what);
  if (seconds < 0) throw new RangeError(`${what} must be ≥ 0, got ${seconds}`);
  return seconds;
}

function readInitializer(
  initializer: unknown,
  initargs: unknown,
): RunMessage | null {
  if (initargs !== undefined && !Array.isArray(initargs)) {
    throw new TypeError(`initargs must be an array, got ${describe(initargs)}`);
  }
  if (initializer == null) {
    if (initargs !== undefined) {
      throw new TypeError("initargs is given without an initializer");
    }
    return null;
  }
  const callable = prepareCallable(initializer, `${CALLER}'s initializer`);
  let args = initargs ?? [];
  const scan = scanArguments(args);
  if (scan !== null) args = copyArguments(args, { ...scan, moved: [] }).args;
  return callable.kind === "source"
    ? { id: 0, fn: callable.id, code: callable.body, args }
    : { id: 0, fn: callable.module, code: callable.name, args };
}

function readLimits(limits: unknown): ResourceLimits | undefined {
  if (limits === undefined) return undefined;
  if (typeof limits !== "object" || limits === null) {
    throw new TypeError(
      `resourceLimits must be an object, got ${describe(limits)}`,
    );
  }
  checkOptions<ResourceLimits>(limits, `${CALLER}'s resourceLimits`, [
    ...RESOURCE_LIMITS,
  ]);
  const checked: ResourceLimits = {};
  for (const key of RESOURCE_LIMITS) {
    const value = (limits as ResourceLimits)[key];
    if (value !== undefined) checked[key] = checkInteger(value, key, 1);
  }
  if (!HONOURS_RESOURCE_LIMITS) {
    throw new RuntimeError(
      "resourceLimits needs Node: Deno and Bun start workers without " +
        "memory limits, so the pool cannot enforce them here",
    );
  }
  return checked;
}
