/**
 * The current loop and the policy that makes new ones (how an alternative
 * loop is plugged in): asyncio's `events` policy functions, beside the
 * `EventLoop` they build.
 *
 * @module
 */
import { currentOwner } from "../internal/context.ts";
import { RuntimeError } from "../internal/errors.ts";
import { checkFunction, describe } from "../internal/validate.ts";
import { EventLoop } from "./event_loop.ts";
import { internals as loopInternals } from "./_internals.ts";

/**
 * Decides which loop `getEventLoop()` returns and what `newEventLoop()`
 * makes. Set one with `setEventLoopPolicy` to plug in another loop class.
 */
export interface EventLoopPolicy {
  /** The current loop (the default policy makes one on first use). */
  getEventLoop(): EventLoop;
  /** Makes `loop` the current loop (`null` forgets it). */
  setEventLoop(loop: EventLoop | null): void;
  /** A new loop. */
  newEventLoop(): EventLoop;
}

/** The loop a default policy has set, without making one. */
let currentOf: (policy: DefaultEventLoopPolicy) => EventLoop | null;

/**
 * The default policy: plain `EventLoop`s, one current loop.
 *
 * @example A policy that makes a subclass of EventLoop
 * ```ts
 * import {
 *   DefaultEventLoopPolicy,
 *   EventLoop,
 *   newEventLoop,
 *   setEventLoopPolicy,
 * } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class MyLoop extends EventLoop {}
 * class MyPolicy extends DefaultEventLoopPolicy {
 *   override newEventLoop(): EventLoop {
 *     return new MyLoop();
 *   }
 * }
 * setEventLoopPolicy(new MyPolicy());
 * const loop = newEventLoop();
 * assert.ok(loop instanceof MyLoop);
 * loop.close();
 * setEventLoopPolicy(null);
 * ```
 */
export class DefaultEventLoopPolicy implements EventLoopPolicy {
  #loop: EventLoop | null = null;
  /** Once a loop was set (or forgotten), none is made on demand. */
  #setCalled = false;

  /**
   * The current loop. One is made and set on first use, unless
   * `setEventLoop()` was called (as `run()` does, and then forgets its loop
   * as it ends): then, with no loop set, a `RuntimeError`, as in asyncio.
   */
  getEventLoop(): EventLoop {
    if (this.#loop === null && !this.#setCalled) {
      this.setEventLoop(this.newEventLoop());
    }
    if (this.#loop === null) throw noCurrentLoop();
    return this.#loop;
  }

  /** Makes `loop` the current loop. */
  setEventLoop(loop: EventLoop | null): void {
    if (loop !== null && !(loop instanceof EventLoop)) {
      throw new TypeError(
        `setEventLoop() takes an EventLoop or null, got ${describe(loop)}`,
      );
    }
    this.#setCalled = true;
    this.#loop = loop;
  }

  /** A new `EventLoop`. */
  newEventLoop(): EventLoop {
    return new EventLoop();
  }

  static {
    currentOf = (policy) => policy.#loop;
  }
}

function noCurrentLoop(): RuntimeError {
  return new RuntimeError(
    "There is no current event loop: setEventLoop(null) was called, or " +
      "run() ended; set one with setEventLoop(newEventLoop())",
  );
}

/** The loop running the current code, or `null`. */
function runningOrNull(): EventLoop | null {
  const loop = currentOwner()?.getLoop();
  return loop !== undefined && loop.isRunning() ? loop as EventLoop : null;
}

// `new Future()`, `new Task()` and `ensureFuture()` outside a running loop
// take the current loop, as asyncio's do, but never make one for it.
loopInternals.loopForNewFuture = () => {
  const running = runningOrNull();
  if (running !== null) return running;
  const current = getEventLoopPolicy();
  const loop = current instanceof DefaultEventLoopPolicy
    ? currentOf(current)
    : current.getEventLoop();
  if (loop === null) {
    throw new RuntimeError(
      "No running event loop, and none set with setEventLoop(): give the " +
        "loop, or call this from code that run() started",
    );
  }
  return loop;
};

let policy: EventLoopPolicy | null = null;

/** The current policy (the default one unless another was set). */
export function getEventLoopPolicy(): EventLoopPolicy {
  return policy ??= new DefaultEventLoopPolicy();
}

/** Sets the policy; `null` restores the default. */
export function setEventLoopPolicy(newPolicy: EventLoopPolicy | null): void {
  if (newPolicy !== null) {
    checkFunction(newPolicy?.newEventLoop, "The policy's newEventLoop");
  }
  policy = newPolicy;
}

/**
 * The running loop if there is one, else the policy's current loop.
 *
 * @example Outside a running loop
 * ```ts
 * import { getEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = getEventLoop();
 * assert.equal(getEventLoop(), loop);
 * assert.equal(loop.isRunning(), false);
 * ```
 */
export function getEventLoop(): EventLoop {
  return runningOrNull() ?? getEventLoopPolicy().getEventLoop();
}

/**
 * Makes `loop` the current loop of the policy.
 *
 * @example Setting the current loop
 * ```ts
 * import { getEventLoop, newEventLoop, setEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * setEventLoop(loop);
 * assert.equal(getEventLoop(), loop);
 * setEventLoop(null);
 * loop.close();
 * ```
 */
export function setEventLoop(loop: EventLoop | null): void {
  getEventLoopPolicy().setEventLoop(loop);
}

/**
 * A new loop from the policy.
 *
 * @example A loop of one's own
 * ```ts
 * import { newEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.equal(await loop.runUntilComplete(async () => 7), 7);
 * loop.close();
 * ```
 */
export function newEventLoop(): EventLoop {
  return getEventLoopPolicy().newEventLoop();
}
