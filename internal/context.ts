/**
 * The ambient context: which loop, and which task, the running code belongs
 * to, carried across every `await` by `AsyncLocalStorage`; and copies of the
 * whole context (a user's own `AsyncLocalStorage` values with it) taken
 * where work is scheduled, as asyncio copies contextvars. A callback's copy
 * must run it synchronously, at its place in the ready queue; a task's
 * first step may start on the next microtask, as the loop waits for it, so
 * its copy is taken by whatever each runtime makes cheapest. Kept behind
 * this one module so it can move to the standard `AsyncContext` once
 * runtimes ship it.
 *
 * @module
 */
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { Deque } from "./deque.ts";
import { RuntimeError } from "./errors.ts";
import { RUNTIME } from "./runtime.ts";

/** The least a loop must offer to be found as the running loop. */
export interface LoopLike {
  /** True while the loop runs callbacks. */
  isRunning(): boolean;
}

/** What the context holds: a task, or a loop running a plain callback. */
export interface ContextOwner {
  /** The loop this code runs on. */
  getLoop(): LoopLike;
}

const storage = new AsyncLocalStorage<ContextOwner>();

/**
 * A cancel scope as the ambient context: the code of a `timeout()` block or
 * a task group runs for the task that entered it, and awaits made there
 * belong to the block.
 * Kept in the owner's own store, as a second `AsyncLocalStorage` would make
 * every later promise on Node 20 pay for both (0.49 µs an async call and
 * await with one store, 0.83 µs with two, measured).
 */
export abstract class CancelScopeContext implements ContextOwner {
  /** The task the block's code belongs to. */
  abstract readonly task: ContextOwner;

  /** The loop of that task. */
  getLoop(): LoopLike {
    return this.task.getLoop();
  }
}

/** The owner of the code running now, or `undefined` outside any loop. */
export function currentOwner(): ContextOwner | undefined {
  const store = storage.getStore();
  return store instanceof CancelScopeContext ? store.task : store;
}

/** Runs `fn` with `owner` as the ambient context of it and its awaits. */
export function runAs<R>(owner: ContextOwner, fn: () => R): R {
  return storage.run(owner, fn);
}

/** The cancel scope the running code is inside, if it runs inside one. */
export function currentCancelScope(): CancelScopeContext | undefined {
  const store = storage.getStore();
  return store instanceof CancelScopeContext ? store : undefined;
}

/** Runs `fn(a, b)` inside `scope`: it and all it awaits belong to it. */
export function runInCancelScope<A, B, R>(
  scope: CancelScopeContext,
  fn: (a: A, b: B) => R,
  a: A,
  b: B,
): R {
  return storage.run(scope, fn, a, b);
}

/**
 * The ambient context of the code that scheduled a callback, with the
 * loop as owner: the callback runs in it, as asyncio runs a callback in
 * the contextvars copied by `call_soon`.
 */
export interface CallbackContext {
  /** Calls `fn(...args)` inside the captured context. */
  runInAsyncScope<R>(
    // deno-lint-ignore no-explicit-any
    fn: (...args: any[]) => R,
    thisArg?: unknown,
    ...args: unknown[]
  ): R;
}

function newResource(): AsyncResource {
  return new AsyncResource("aio");
}

const callbackOwners = new WeakMap<LoopLike, ContextOwner>();

/** The owner of plain callbacks on `loop`: no task. */
export function callbackOwner(loop: LoopLike): ContextOwner {
  let owner = callbackOwners.get(loop);
  if (owner === undefined) {
    owner = { getLoop: () => loop };
    callbackOwners.set(loop, owner);
  }
  return owner;
}

/**
 * Where a transport or server calls its protocol when a task's context is
 * current: as a plain callback of its loop, in the context the transport
 * was made in (asyncio always calls it in a copy of that context).
 */
export interface ProtocolContext {
  /** The loop's own owner: a plain callback, no task. */
  readonly owner: ContextOwner;
  /** The context the transport was made in, with `owner` as owner. */
  readonly captured: CallbackContext;
}

/** Takes the context to call a protocol in, for a transport made now. */
export function protocolContext(loop: LoopLike): ProtocolContext {
  const owner = callbackOwner(loop);
  return { owner, captured: captureContext(owner) };
}

/**
 * Runs `fn(arg)` in `where` and returns true when a task's context is
 * current; returns false, running nothing, when the loop's own is. The
 * loop goes on with a batch from the await that ended a task's step, in
 * that task's context, where a protocol would see the task as current
 * and give its context to the tasks it starts.
 */
export function switchTo<A>(
  where: ProtocolContext,
  fn: (arg: A) => void,
  arg: A,
): boolean {
  if (storage.getStore() === where.owner) return false;
  where.captured.runInAsyncScope(fn, undefined, arg);
  return true;
}

/** Captures the context of the code running now, with `owner` as owner. */
export function captureContext(owner: ContextOwner): CallbackContext {
  return storage.run(owner, newResource);
}

/** Calls `callback(...args)` in a captured context. */
export function callIn(
  context: CallbackContext,
  callback: (...args: never[]) => unknown,
  args: readonly unknown[],
): unknown {
  return context.runInAsyncScope(
    callback as (...args: unknown[]) => unknown,
    undefined,
    ...args,
  );
}

/**
 * A context taken at one point, for code started in it later: a task's
 * first step runs in its creator's context. Which kind depends on the
 * runtime (see `START_BY_REACTION`).
 */
export type StartContext = CallbackContext | (() => void);

/**
 * How each runtime takes a context at least cost, measured: on Deno each
 * `AsyncResource` registers a finalizer, but a promise reaction keeps the
 * context it was registered in for little. Elsewhere a bare `AsyncResource`
 * is cheapest: on Node `AsyncLocalStorage.snapshot` binds a new function
 * (about 10 µs), and on Bun it is a closure and its scope, 80 bytes against
 * the resource's 48 (W1 on Bun: 5% faster by the fastest round).
 */
const START_BY_REACTION = RUNTIME === "deno";

/** Receives the resolving function of the reaction being built. */
let opener: (() => void) | undefined;
function keepOpener(resolve: () => void): void {
  opener = resolve;
}

/**
 * The functions and arguments started through reactions, in the order
 * they were started: reactions run in that order, so each takes its own.
 */
const started = new Deque<unknown>();

function runStarted(): void {
  const fn = started.take() as (arg: unknown) => void;
  fn(started.take());
}

/** Takes the context of the code running now, to start code in later. */
export function captureStart(): StartContext {
  if (!START_BY_REACTION) return newResource();
  new Promise<void>(keepOpener).then(runStarted);
  const open = opener!;
  opener = undefined;
  return open;
}

/**
 * Runs `fn(arg)` in a context taken by `captureStart`, at once or on the
 * next microtask; `fn` must not throw. Each context starts code once.
 */
export function startIn<A>(
  context: StartContext,
  fn: (arg: A) => void,
  arg: A,
): void {
  if (!START_BY_REACTION) {
    (context as CallbackContext).runInAsyncScope(fn, undefined, arg);
  } else {
    started.add(fn);
    started.add(arg);
    (context as () => void)();
  }
}

/** The loop running the current code; a `RuntimeError` when none runs. */
export function runningLoop(): LoopLike {
  const loop = storage.getStore()?.getLoop();
  if (loop === undefined || !loop.isRunning()) {
    throw new RuntimeError(
      "No running event loop: call this from code started by run(), " +
        "loop.runUntilComplete() or a task",
    );
  }
  return loop;
}

/**
 * Runs `fn` in the context this module was first imported in, outside any
 * task. Under `deno test` (Deno 2.9), an `import()` started inside an
 * `AsyncLocalStorage` context leaves that context current for the next
 * test, which would then run as part of a task that has finished.
 */
export const outsideAnyTask: <R>(fn: () => R) => R = AsyncLocalStorage
  .snapshot();
