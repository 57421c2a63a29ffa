/**
 * The package-private entry points of futures and tasks, kept out of the
 * public API: the classes that own the state fill them in their `static {}`
 * blocks, and no `mod.ts` re-exports this module.
 *
 * @module
 */
import type { CallbackContext, ContextOwner } from "../internal/context.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import type { AsCompleted } from "./as_completed.ts";
import type { CancelScope } from "./cancel_scope.ts";
import type { Future } from "./future.ts";
import type { NewTaskOptions, Task, TaskOptions } from "./task.ts";
import type { TaskGroupBody } from "./task_group.ts";
import type { TimeoutBody } from "./timeouts.ts";

/** Filled by `Future`, `Task`, `Timeout`, `TaskGroup` and `AsCompleted`. */
export const internals: {
  /**
   * As `future.addDoneCallback(callback)`, without copying the caller's
   * context: for the library's own callbacks, which read no user context.
   */
  onDone<T>(future: Future<T>, callback: (future: Future<T>) => unknown): void;
  /** `future.toString()` with `named` (` name='...'`) after the state. */
  describeTask(future: Future<unknown>, named: string): string;
  /** Settles `future` and wakes its awaiters at once; for loop callbacks. */
  resolveNow<T>(future: Future<T>, value: T): void;
  /**
   * True if `future` failed. JavaScript can throw anything, `null`
   * included, so the state says it, never the value `exception()` returns.
   */
  hasFailed(future: Future<unknown>): boolean;
  /**
   * As `future.setException(exception)`, the error reported in `context`
   * if nobody retrieves it (a task's own context).
   */
  failIn(
    future: Future<unknown>,
    exception: unknown,
    context: CallbackContext,
  ): void;
  /**
   * Told before `owner` awaits the pending `future`: a task with a pending
   * cancel request cancels that future, or answers with the
   * `CancelledError` to throw at once; a future the task may not await is
   * answered with a `RuntimeError`. Other owners: `undefined`.
   */
  willAwait(owner: ContextOwner, future: Future<unknown>): Error | undefined;
  /**
   * Told before `owner` awaits a done future, which does not suspend it:
   * a task's step goes on, or begins if the code runs after a foreign await.
   */
  goesOn(owner: ContextOwner): void;
  /**
   * Told when the loop answers one of the owner's awaits: a task's step
   * begins, and a pending cancel request is the error it throws instead.
   */
  resume(owner: ContextOwner): Error | undefined;
  /**
   * The cancel requests made to `task` itself, without those of cancelled
   * blocks (`timeout()`, task groups) that `cancelling()` adds.
   */
  cancelRequests(task: Task<unknown>): number;
  /** The root cancel scope of `task`, or `null` before it enters a block. */
  rootScope(task: Task<unknown>): CancelScope | null;
  /** Gives `task` its root cancel scope. */
  setRootScope(task: Task<unknown>, root: CancelScope): void;
  /**
   * Told once `owner`'s await of a pending future is registered: a task's
   * step is over, and the loop may run its next callback at once.
   */
  suspended(owner: ContextOwner): void;
  /**
   * Options for `new Task(fn, options)` on `loop` that the constructor
   * trusts: for callers that have checked `fn` and `options` already.
   */
  checkedTaskOptions(
    loop: AbstractEventLoop,
    options?: TaskOptions,
  ): NewTaskOptions;
  /**
   * True for the future of `sleep(0)`, asyncio's bare `yield`, which is no
   * future there: a cancel request does not cancel it but waits for the
   * task's next step, so `uncancel()` can still withdraw it.
   */
  isBareYield(future: Future<unknown>): boolean;
  /** True for a `Task`: a future that runs work of its own. */
  isTask(future: Future<unknown>): boolean;
  /** The library futures `task` is blocked on now. */
  awaiting(task: Task<unknown>): Future<unknown>[];
  /** True while `task` runs but awaits no library future. */
  awaitsForeignWork(task: Task<unknown>): boolean;
  /** The unfinished tasks of `loop`, oldest last. */
  tasksOf(loop: AbstractEventLoop): Set<Task<unknown>>;
  /**
   * Drops the tasks of a closed loop from the live list: they can never
   * run again, and would otherwise be kept alive for good.
   */
  forgetTasksOf(loop: AbstractEventLoop): void;
  /**
   * Runs `fn` under a new `Timeout` with deadline `when`; `outsideWork`
   * when `fn` awaits work started outside the block, which only a cancel
   * of the whole task reaches.
   */
  runTimeout<T>(
    when: number | null,
    fn: TimeoutBody<T>,
    outsideWork?: boolean,
  ): Promise<T>;
  /** Runs `fn` with a new `TaskGroup`. */
  runTaskGroup<T>(fn: TaskGroupBody<T>): Promise<T>;
  /** A new `AsCompleted` over `todo`. */
  newAsCompleted<T>(
    loop: AbstractEventLoop,
    todo: Set<Future<T>>,
    timeout: number | null,
  ): AsCompleted<T>;
  /**
   * The body of an awaitable that stands for a Python coroutine (one that
   * `asCompleted` yields), which `ensureFuture` runs as a task, as asyncio
   * wraps a coroutine; `null` for any other value.
   */
  coroutineBody<T>(value: unknown): (() => Promise<T>) | null;
} = {} as typeof internals;

internals.coroutineBody = () => null;
internals.isBareYield = () => false;

// What an owner that is not a task gets, until `Task` fills them in.
internals.willAwait = () => undefined;
internals.goesOn = () => {};
internals.resume = () => undefined;
internals.suspended = () => {};
