/**
 * `Task`: runs an async function on the loop, cancellable at every library
 * await.
 *
 * @module
 */
import {
  CancelledError,
  cancelledError,
  InvalidStateError,
  RuntimeError,
} from "../internal/errors.ts";
import {
  callIn,
  captureContext,
  captureStart,
  currentOwner,
  runAs,
  type StartContext,
  startIn,
} from "../internal/context.ts";
import {
  checkFunction,
  checkOptions,
  isPromiseLike,
} from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { internals } from "./_internals.ts";
import { Future } from "./future.ts";
import { CancelScope } from "./cancel_scope.ts";
import { beginCancelPass, endCancelPass } from "./promise_future.ts";
import {
  creationSitesWanted,
  markCancelledAwait,
  recordAwaitSite,
} from "./creation_site.ts";
import { noteStep, stepOwners } from "./step_trace.ts";
import { beginStep, endStep, isRunningStep } from "../internal/steps.ts";
import { declaresParameter } from "../internal/parameters.ts";
import { pyRepr } from "../internal/py_repr.ts";

/**
 * What a task runs: an async function (asyncio's coroutine). One that
 * declares a parameter is handed the task's `AbortSignal`, aborted on the
 * first cancel request, for foreign APIs such as `fetch`:
 * `createTask((signal) => fetch(url, { signal }))`.
 *
 * @example A body that watches its signal
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const aborted = await run(async () => {
 *   let seen: AbortSignal | undefined;
 *   const task = createTask(async (signal) => {
 *     seen = signal;
 *     await sleep(3600);
 *   });
 *   await sleep(0);
 *   task.cancel();
 *   await task.catch(() => {});
 *   return seen?.aborted;
 * });
 * assert.equal(aborted, true);
 * ```
 */
export type CoroutineFunction<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/** Options for creating a task. */
export interface TaskOptions {
  /** The task's name; `Task-N` when omitted. */
  name?: string | null;
  /**
   * Runs the body at once, inside `createTask`, up to its first `await`
   * (asyncio's `eager_start`); the rest of that first step runs before the
   * loop's next callback. A body that returns without awaiting leaves the
   * task done when `createTask` returns. Only while the loop runs.
   */
  eagerStart?: boolean | null;
}

/** The keys of `TaskOptions`, for the options check. */
export const TASK_OPTIONS: readonly (keyof TaskOptions)[] = [
  "name",
  "eagerStart",
];

/** Options for `new Task()`: those of `createTask`, and the loop to run on. */
export interface NewTaskOptions extends TaskOptions {
  /** The loop; the running loop when omitted. */
  loop?: AbstractEventLoop;
}

const NEW_TASK_OPTIONS: readonly (keyof NewTaskOptions)[] = [
  ...TASK_OPTIONS,
  "loop",
];

/**
 * The options of a task that `loop.createTask()` makes, which it has
 * checked with the body: the constructor does not check them again (on Bun
 * that second check took a third of a task's creation).
 */
class CheckedOptions implements NewTaskOptions {
  readonly loop: AbstractEventLoop;
  readonly name: string | null | undefined;
  readonly eagerStart: boolean | null | undefined;

  constructor(loop: AbstractEventLoop, options?: TaskOptions) {
    this.loop = loop;
    this.name = options?.name;
    this.eagerStart = options?.eagerStart;
  }
}

let taskCounter = 0;
/**
 * The live tasks, as an intrusive doubly-linked list: adding and removing
 * a task is O(1) with no hashing, which a Set of 100,000 tasks is not.
 */
let firstLive: Task<unknown> | null = null;

/** How many futures a task keeps in its waiting list before pruning it. */
const PRUNE_AT = 8;

/** Checks the argument of every API that starts work from a function. */
export function checkCoroutineFunction(fn: unknown, api: string): void {
  if (isPromiseLike(fn)) {
    throw new TypeError(
      `${api} takes an async function, not a promise that is already ` +
        `running: write ${api.replace("()", "")}(() => work()) so that ` +
        "the work starts on the loop and can be cancelled",
    );
  }
  checkFunction(fn, `The argument of ${api}`);
}

/**
 * A future that runs an async function on the loop: asyncio's `Task`. It
 * starts on the loop's next iteration, not inside `createTask` (unless
 * `eagerStart` asks for it), in its creator's `AsyncLocalStorage` context;
 * each step, from one await that suspends to the next, runs whole.
 * `cancel()` makes the `await` the task is blocked on throw
 * `CancelledError`; a task that awaits a foreign promise gets it at its
 * next library await, and can watch `task.signal` meanwhile.
 *
 * @example Cancelling a sleeping task
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const log: string[] = [];
 *   const task = createTask(async () => {
 *     try {
 *       await sleep(3600);
 *     } finally {
 *       log.push("cleaned up");
 *     }
 *   }, { name: "sleeper" });
 *   await sleep(0);
 *   task.cancel();
 *   await task.then(undefined, (e: Error) => log.push(e.name));
 *   return log;
 * });
 * assert.deepEqual(log, ["cleaned up", "CancelledError"]);
 * ```
 */
export class Task<T = unknown> extends Future<T> {
  // Cancellation lives here, in four fields and three places: `cancel()`,
  // `#willAwait()` (called by every library await of a pending future) and
  // `#takeCancelRequest()` (called when an await is answered). Its
  // invariant, as CPython's `_fut_waiter` rule: a cancel request either
  // reached a pending future the task awaits (`#waitingOn`), which then
  // answers the await with a `CancelledError`, or it waits in `#mustCancel`
  // and is thrown at the task's next await that suspends, or when its
  // pending await is answered, or when its body ends; never both, and never
  // lost. `cancelling()` counts requests independently of where they are.
  // A `timeout()` block's deadline, or a task group's failed task, cancels
  // only the block's own pending awaits (a cancel scope: `#scopes`,
  // `cancel_scope.ts`); when it has none, it cancels the task as above.

  /**
   * The body until it is called; then the future it returned while the
   * task follows it (other work of the body may still await beside it),
   * and null otherwise.
   */
  #fn: CoroutineFunction<T> | Future<unknown> | null;
  /** The creator's context, for the first step; null once used. */
  #context: StartContext | null;
  /** The name, or the number of a default `Task-N` name. */
  #name: string | number;
  /**
   * True while a cancel request reached no pending future: the next await
   * that suspends, answered await or end of the body throws
   * `CancelledError` instead.
   */
  #mustCancel = false;
  /**
   * Cancel requests to the task not withdrawn by `uncancel()`; `cancelling()`
   * adds those of the cancelled blocks around the caller (`cancel_scope.ts`).
   */
  #cancelRequests = 0;
  /** The message of the latest request, for the `CancelledError` it makes. */
  #cancelMessage: string | undefined = undefined;
  /**
   * The futures the task awaits: none, one, or several at once. A cancel
   * request goes to each that is pending; entries may be done already.
   */
  #waitingOn: Future<unknown> | Future<unknown>[] | null = null;
  /**
   * The task's root cancel scope, made when its code first enters a
   * `timeout()` block or a task group, whose cancel reaches the block's
   * awaits, not the task's (`cancel_scope.ts`). Null while none was.
   */
  #scopes: CancelScope | null = null;
  /** Made on first use of `signal`; aborted on the first cancel request. */
  #abort: AbortController | null = null;
  /**
   * The token of the step the task is running (`internal/steps.ts`), or 0
   * while it is suspended on a pending future, not started, or done.
   */
  #step = 0;
  #previousLive: Task<unknown> | null = null;
  #nextLive: Task<unknown> | null = null;

  /**
   * Creates a task and schedules its first step, or runs it now with
   * `eagerStart` while the loop runs. `createTask(fn)` is the usual way;
   * it honours the loop's task factory.
   */
  constructor(fn: CoroutineFunction<T>, options?: NewTaskOptions) {
    if (!(options instanceof CheckedOptions)) {
      checkCoroutineFunction(fn, "createTask()");
      checkOptions<NewTaskOptions>(options, "new Task()", NEW_TASK_OPTIONS);
    }
    super(options?.loop ?? undefined);
    this.#fn = fn;
    // The default name is formatted only when asked for: tasks are hot.
    this.#name = options?.name == null ? ++taskCounter : String(options.name);
    this.#link();
    if (options?.eagerStart && this.getLoop().isRunning()) {
      this.#context = null;
      this.#startEagerly();
      return;
    }
    this.#context = captureStart();
    loopInternals.callSoon(this.getLoop(), Task.#start, this as Task<unknown>);
  }

  /**
   * The first step, run now in a copy of the creator's context, as
   * CPython's: what the body sets there does not reach the creator.
   */
  #startEagerly(): void {
    if (stepOwners !== null) noteStep(this);
    this.#resume();
    callIn(captureContext(this as Task<unknown>), Task.#runBody, []);
  }

  /** The task's name. */
  getName(): string {
    const name = this.#name;
    return typeof name === "number" ? `Task-${name}` : name;
  }

  /** Renames the task. */
  setName(name: string): void {
    this.#name = String(name);
  }

  /**
   * Asks the task to cancel: the await it is blocked on throws
   * `CancelledError(msg)`. Returns `false` if the task is already done.
   * Each call counts (see `cancelling()`); the task may catch the error
   * and carry on.
   */
  override cancel(msg?: string | null): boolean {
    if (this.done()) return super.cancel(msg);
    this.#cancelRequests++;
    if (this.#cancelRequests === 1) {
      this.#abort?.abort(cancelledError(msg));
    }
    // Each request reaches what the task awaits, as asyncio passes every
    // cancel on to its `_fut_waiter`: an awaited task counts them all. The
    // future of a promise the task runs waits for it (`promise_future.ts`).
    let reached = false;
    const waitingOn = this.#waitingOn;
    beginCancelPass(this as Task<unknown>);
    try {
      if (waitingOn instanceof Future) {
        reached = Task.#reach(waitingOn, msg);
      } else if (waitingOn !== null) {
        for (const future of waitingOn) {
          if (Task.#reach(future, msg)) reached = true;
        }
      }
    } finally {
      endCancelPass(this as Task<unknown>);
    }
    if (!reached) {
      this.#mustCancel = true;
      this.#cancelMessage = msg ?? undefined;
    }
    return true;
  }

  /**
   * Passes a cancel request on to a future the task awaits. A bare yield
   * (`sleep(0)`) is no future in asyncio: it keeps the request for the
   * task's next step, where `uncancel()` may still withdraw it.
   */
  static #reach(future: Future<unknown>, msg?: string | null): boolean {
    return !internals.isBareYield(future) && future.cancel(msg);
  }

  /** The number of cancel requests not yet withdrawn by `uncancel()`. */
  cancelling(): number {
    const scopes = this.#scopes;
    return scopes === null
      ? this.#cancelRequests
      : this.#cancelRequests + CancelScope.requestsAround(scopes);
  }

  /** Withdraws one cancel request; returns how many remain. */
  uncancel(): number {
    if (this.#cancelRequests > 0) {
      this.#cancelRequests--;
      if (this.#cancelRequests === 0) this.#mustCancel = false;
    } else if (this.#scopes !== null) {
      CancelScope.withdrawAround(this.#scopes);
    }
    return this.cancelling();
  }

  /**
   * An `AbortSignal` aborted on the first cancel request, for foreign APIs
   * such as `fetch` that the task awaits.
   */
  get signal(): AbortSignal {
    if (this.#abort === null) {
      this.#abort = new AbortController();
      if (this.#cancelRequests > 0) {
        this.#abort.abort(cancelledError(this.#cancelMessage));
      }
    }
    return this.#abort.signal;
  }

  /** Tasks cannot be given a result from outside: a `RuntimeError`. */
  override setResult(_value: T): never {
    throw new RuntimeError("A task does not support setResult()");
  }

  /** Tasks cannot be given an exception from outside: a `RuntimeError`. */
  override setException(_exception: unknown): never {
    throw new RuntimeError("A task does not support setException()");
  }

  /**
   * A short description with the task's name, as asyncio's `repr`:
   * `<Task finished name='Task-1' result=42>`.
   */
  override toString(): string {
    return internals.describeTask(this, ` name=${pyRepr(this.getName())}`);
  }

  /**
   * Called before the task follows `future`, the pending future it awaits
   * or the future its body returned: the task's step goes on if the
   * future is done, and is over if it is pending.
   */
  #willAwait(future: Future<unknown>): Error | undefined {
    // A done future does not suspend the task, so it is neither checked
    // nor a point of cancellation, as asyncio checks and cancels only the
    // future a coroutine yields.
    if (future.done()) {
      this.#goOn();
      return undefined;
    }
    const debug = creationSitesWanted && this.getLoop().getDebug();
    if (debug) recordAwaitSite(this);
    const refused = this.#refuse(future);
    if (refused !== undefined) return refused;
    // JS calls then() a microtask after `await`: a cancel that came in
    // between must reach the awaited future, as it would have a moment
    // later, or an awaited task would be left running on its own. A bare
    // yield keeps it for the task's next step (`isBareYield`).
    if (this.#mustCancel && !internals.isBareYield(future)) {
      this.#mustCancel = false;
      if (future.cancel(this.#cancelMessage)) return undefined;
      this.#mustCancel = true;
      const cancel = this.#takeCancelRequest()!;
      // Code after a foreign await runs here too: it is a step as well.
      this.#resume();
      if (debug) markCancelledAwait(cancel, this, future);
      return cancel;
    }
    if (this.#scopes !== null) CancelScope.willAwait(this.#scopes, future);
    // The step ends once the caller has registered the await
    // (`internals.suspended`): the loop may go on at once from there.
    const waitingOn = this.#waitingOn;
    if (
      waitingOn === null || (waitingOn instanceof Future && waitingOn.done())
    ) {
      this.#waitingOn = future;
    } else if (waitingOn instanceof Future) {
      this.#waitingOn = [waitingOn, future];
    } else {
      if (waitingOn.length >= PRUNE_AT) {
        this.#waitingOn = waitingOn.filter((f) => !f.done());
      }
      (this.#waitingOn as Future<unknown>[]).push(future);
    }
    return undefined;
  }

  /** Why the task may not wait for `future`, if it may not. */
  #refuse(future: Future<unknown>): Error | undefined {
    if (future === this) {
      return new RuntimeError(`Task cannot await on itself: ${this}`);
    }
    if (future.getLoop() !== this.getLoop()) {
      return new RuntimeError(
        `Task ${this} got Future ${future} attached to a different loop`,
      );
    }
    return undefined;
  }

  /** The task awaits a done future: its step goes on without a pause. */
  #goOn(): void {
    if (creationSitesWanted && this.getLoop().getDebug()) {
      recordAwaitSite(this);
    }
    // Code after a foreign await runs here too: it is a step as well.
    this.#resume();
  }

  /** The loop answered one of the task's awaits: a step begins. */
  #resume(): void {
    if (!isRunningStep(this.#step)) this.#step = beginStep();
  }

  #suspend(): void {
    const step = this.#step;
    // Cleared first: the loop goes on from inside endStep() and may resume
    // this task's other work at once, which must begin a step of its own.
    this.#step = 0;
    endStep(step);
  }

  /** Takes a pending cancel request as the error to throw. */
  #takeCancelRequest(): CancelledError | undefined {
    if (!this.#mustCancel) return undefined;
    this.#mustCancel = false;
    return cancelledError(this.#cancelMessage);
  }

  /** The library futures the task is blocked on now. */
  #awaiting(): Future<unknown>[] {
    const waitingOn = this.#waitingOn;
    if (waitingOn === null) return [];
    const all = waitingOn instanceof Future ? [waitingOn] : waitingOn;
    return all.filter((future) => !future.done());
  }

  /** True while the task runs but awaits no library future. */
  #awaitsForeignWork(): boolean {
    const waitingOn = this.#waitingOn;
    const blocked = waitingOn instanceof Future
      ? !waitingOn.done()
      : waitingOn !== null && waitingOn.some((f) => !f.done());
    // The body has been called once its function is dropped.
    return typeof this.#fn !== "function" && !this.done() && !blocked;
  }

  static #start(task: Task<unknown>): void {
    const context = task.#context;
    task.#context = null;
    if (context === null) return;
    if (task.done()) {
      // Finished from outside through Future's own methods: never silent.
      task.getLoop().callExceptionHandler({
        message: "Exception in callback Task.__step()",
        exception: new InvalidStateError(`_step(): already done: ${task}`),
        task,
      });
      return;
    }
    if (task.#mustCancel) {
      task.#fn = null;
      task.#mustCancel = false;
      task.#finishCancelled(cancelledError(task.#cancelMessage));
      return;
    }
    if (stepOwners !== null) noteStep(task);
    task.#resume();
    startIn(context, Task.#firstStep, task);
  }

  /** Runs in the creator's context: the task becomes the owner here. */
  static #firstStep(task: Task<unknown>): void {
    runAs(task, Task.#runBody);
  }

  /**
   * Calls the body in the task's context and follows its outcome, as
   * `await fn()` would, without an async frame or closures per task: a
   * native promise's reaction runs in the context it was registered in,
   * so the static handlers find their task as the current owner.
   */
  static #runBody(): void {
    const task = currentOwner() as Task<unknown>;
    const fn = task.#fn as CoroutineFunction<unknown>;
    task.#fn = null;
    let result: unknown;
    try {
      result = declaresParameter(fn)
        ? fn(task.signal)
        : (fn as () => unknown)();
    } catch (error) {
      task.#fail(error);
      return;
    }
    task.#follow(result);
  }

  static #onValue(value: unknown): void {
    // A native promise never fulfills with a thenable: nothing to follow.
    (currentOwner() as Task<unknown>).#succeed(value);
  }

  static #onError(error: unknown): void {
    (currentOwner() as Task<unknown>).#fail(error);
  }

  /** Settles with `outcome`; called in the task's own context. */
  #follow(outcome: unknown): void {
    if (outcome instanceof Promise) {
      outcome.then(Task.#onValue, Task.#onError);
    } else if (isPromiseLike(outcome)) {
      this.#followThenable(outcome);
    } else {
      this.#succeed(outcome as T);
    }
  }

  /** Settles with a followed thenable's value, or follows that on too. */
  #settleWith(value: unknown): void {
    if (isPromiseLike(value)) this.#followThenable(value);
    else this.#succeed(value as T);
  }

  /** A future calls back through the loop; a foreign thenable from anywhere. */
  #followThenable(thenable: PromiseLike<unknown>): void {
    if (!(thenable instanceof Future)) {
      this.#followForeign(thenable);
      return;
    }
    const refused = this.#willAwait(thenable);
    if (refused !== undefined) this.#fail(refused);
    else if (thenable.done()) this.#settleFrom(thenable);
    else {
      this.#fn = thenable;
      this.follow(thenable);
      this.#suspend();
    }
  }

  /** The future the body returned is done: the task settles as it did. */
  protected override followedDone(): void {
    const followed = this.#fn;
    if (!(followed instanceof Future)) return;
    this.#fn = null;
    this.#settleFrom(followed);
  }

  /** Settles as the done `future` did, unless a cancel request came first. */
  #settleFrom(future: Future<unknown>): void {
    const cancel = this.#takeCancelRequest();
    if (cancel !== undefined) {
      this.#finishCancelled(cancel);
      return;
    }
    let value: unknown;
    try {
      value = future.result();
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#settleWith(value);
  }

  /** A foreign thenable may call back more than once: the first counts. */
  #followForeign(thenable: PromiseLike<unknown>): void {
    let called = false;
    try {
      thenable.then(
        (value) => {
          if (called) return;
          called = true;
          this.#settleWith(value);
        },
        (error) => {
          if (called) return;
          called = true;
          this.#fail(error);
        },
      );
    } catch (error) {
      if (!called) this.#fail(error);
    }
  }

  #succeed(value: T): void {
    if (this.#mustCancel) {
      this.#mustCancel = false;
      this.#finishCancelled(cancelledError(this.#cancelMessage));
      return;
    }
    this.#finish();
    super.setResult(value);
    this.#suspend();
  }

  #fail(error: unknown): void {
    if (error instanceof CancelledError) {
      this.#finishCancelled(error);
      return;
    }
    this.#finish();
    internals.failIn(this, error, captureContext(this as Task<unknown>));
    this.#suspend();
  }

  #finishCancelled(error: CancelledError): void {
    this.#finish();
    this.setCancelError(error);
    super.cancel(error.message);
    this.#suspend();
  }

  /** Ends the task's bookkeeping; its step ends once its outcome is set. */
  #finish(): void {
    this.#fn = null;
    this.#waitingOn = null;
    this.#unlink();
  }

  #link(): void {
    const self = this as Task<unknown>;
    self.#nextLive = firstLive;
    if (firstLive !== null) firstLive.#previousLive = self;
    firstLive = self;
  }

  #unlink(): void {
    const previous = this.#previousLive;
    const next = this.#nextLive;
    if (previous !== null) previous.#nextLive = next;
    else if (firstLive === this as Task<unknown>) firstLive = next;
    if (next !== null) next.#previousLive = previous;
    this.#previousLive = this.#nextLive = null;
  }

  static {
    internals.willAwait = (owner, future) =>
      #step in owner ? owner.#willAwait(future) : undefined;
    internals.goesOn = (owner) => {
      // Most such awaits are inside a running step and have nothing to do.
      if (
        #step in owner &&
        (creationSitesWanted || !isRunningStep(owner.#step))
      ) owner.#goOn();
    };
    internals.resume = (owner) => {
      if (!(#step in owner)) return undefined;
      owner.#resume();
      return owner.#takeCancelRequest();
    };
    internals.cancelRequests = (task) => task.#cancelRequests;
    internals.rootScope = (task) => task.#scopes;
    internals.setRootScope = (task, root) => {
      task.#scopes = root;
    };
    internals.suspended = (owner) => {
      if (#step in owner) owner.#suspend();
    };
    internals.checkedTaskOptions = (loop, options) =>
      new CheckedOptions(loop, options);
    internals.isTask = (future) => #step in future;
    internals.awaiting = (task) => task.#awaiting();
    internals.awaitsForeignWork = (task) => task.#awaitsForeignWork();
    internals.tasksOf = (loop) => {
      const tasks = new Set<Task<unknown>>();
      for (let task = firstLive; task !== null; task = task.#nextLive) {
        if (task.getLoop() === loop) tasks.add(task);
      }
      return tasks;
    };
    internals.forgetTasksOf = (loop) => {
      for (const task of internals.tasksOf(loop)) task.#unlink();
    };
  }
}
