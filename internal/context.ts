/**
 * The ambient context: which loop, and which task, the running code belongs
 * to, carried across every `await` by `AsyncLocalStorage`. Kept behind this
 * one module so it can move to the standard `AsyncContext` once runtimes
 * ship it.
 *
 * @module
 */
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { RuntimeError } from "./errors.ts";

/** The least a loop must offer to be found as the running loop. */
export interface LoopLike {
  /** True while the loop runs callbacks. */
  isRunning(): boolean;
}

/** What the context holds: a task, or a loop running a plain callback. */
export interface ContextOwner {
  /** The loop this code runs on. */
  getLoop(): LoopLike;
  /**
   * Told before the owner awaits a library future. A task with a pending
   * cancel request cancels that future, or answers with the
   * `CancelledError` to throw at once when the future is already done; a
   * future the task may not await is answered with a `RuntimeError`.
   */
  willAwait?(future: object): Error | undefined;
  /** Asked when a result is delivered: a pending cancel replaces it. */
  takeCancelRequest?(): Error | undefined;
  /** Told when the loop answers one of the owner's awaits: a step begins. */
  resume?(): void;
}

const storage = new AsyncLocalStorage<ContextOwner>();

/** The owner of the code running now, or `undefined` outside any loop. */
export function currentOwner(): ContextOwner | undefined {
  return storage.getStore();
}

/** Runs `fn` with `owner` as the ambient context of it and its awaits. */
export function runAs<R>(owner: ContextOwner, fn: () => R): R {
  return storage.run(owner, fn);
}

/**
 * The ambient context of the code that scheduled a callback, with the
 * loop as owner: the callback runs in it, as asyncio runs a callback in
 * the contextvars copied by `call_soon`.
 */
export type CallbackContext = AsyncResource;

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

/** Receives the resolving function of the gate being built. */
let opener: ((value: unknown) => void) | undefined;
function keepOpener(resolve: (value: unknown) => void): void {
  opener = resolve;
}

function arm(fn: () => void): () => void {
  new Promise(keepOpener).then(fn);
  const open = opener as () => void;
  opener = undefined;
  return open;
}

/**
 * Prepares `fn` to run in the context of the code running now, with
 * `owner` as the owner: a user's own `AsyncLocalStorage` values come along,
 * as contextvars do into asyncio's tasks. Returns the function that starts
 * it; `fn` then runs on the next microtask, so it must not throw. A
 * promise reaction keeps the context it was registered in on every
 * runtime, at less cost than an `AsyncResource` (on Deno each one
 * registers a finalizer).
 */
export function deferInContext(
  owner: ContextOwner,
  fn: () => void,
): () => void {
  return storage.run(owner, arm, fn);
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
