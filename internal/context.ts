/**
 * The ambient context: which loop, and which task, the running code belongs
 * to, carried across every `await` by `AsyncLocalStorage`. Kept behind this
 * one module so it can move to the standard `AsyncContext` once runtimes
 * ship it.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
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
