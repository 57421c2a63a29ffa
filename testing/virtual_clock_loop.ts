/**
 * `VirtualClockLoop`: an event loop whose clock jumps to the next timer
 * whenever nothing is left to do but wait.
 *
 * @module
 */
import { armTimer, type HostTimer, nextTurn } from "../internal/host.ts";
import { clockHeld } from "../internal/real_world.ts";
import { EventLoop } from "../loop/event_loop.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/**
 * While the loop waits on the real world, how often (in real seconds) it
 * looks whether that wait is over. A settled foreign promise does not always
 * wake the loop (its task may go on to await a pending future), so it polls.
 */
const REAL_WORLD_POLL_SECONDS = 0.01;

/**
 * An event loop with a virtual clock (Trio's `MockClock` with autojump).
 * `time()` starts at 0 and stands still while callbacks run; when nothing is
 * ready, the loop lets the host take one turn (so foreign promises that are
 * already settling can schedule work) and then jumps the clock to the next
 * timer. Code that sleeps for hours is tested in milliseconds, and always
 * sees the same schedule: every ready callback and microtask runs between
 * two timers, as in a real run.
 *
 * Work that waits on the real world holds the clock: a worker job, a socket
 * or a child process of the library, or a task awaiting a foreign promise
 * (`fetch`, a host `setTimeout`, ...). While such work is pending the clock
 * runs at real speed, as a normal loop's would, until the work settles.
 * Nothing global is patched: `Date`, `setTimeout` and `performance.now` stay
 * real; only library time (`loop.time()`, `sleep`, `callLater`, timeouts)
 * is virtual.
 *
 * @example An hour of sleeping in a few milliseconds
 * ```ts
 * import { VirtualClockLoop } from "@aio/asyncio/testing";
 * import { sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualClockLoop();
 * const woke = await loop.runUntilComplete(async () => {
 *   await sleep(3600);
 *   return loop.time();
 * });
 * loop.close();
 * assert.equal(woke, 3600);
 * ```
 */
export class VirtualClockLoop extends EventLoop {
  #now = 0;
  /** `performance.now()` when the clock began to follow real time, or null. */
  #followingSince: number | null = null;

  /** The virtual clock, in seconds; it starts at 0. */
  override time(): number {
    if (this.#followingSince === null) return this.#now;
    return this.#now + (performance.now() - this.#followingSince) / 1000;
  }

  /**
   * Jumps the clock to `deadline` once the loop is idle and nothing waits
   * on the real world; otherwise waits in real time and looks again.
   */
  protected override waitForHost(
    deadline: number | null,
    wake: () => void,
  ): () => void {
    let disarmed = false;
    let timer: HostTimer | null = null;
    const check = () => {
      timer = null;
      if (disarmed) return;
      if (!this.#waitsOnRealWorld()) {
        this.#stopFollowing();
        if (deadline === null) return;
        this.#now = Math.max(this.#now, deadline);
        wake();
        return;
      }
      this.#followingSince ??= performance.now();
      if (deadline === null) return;
      const remaining = deadline - this.time();
      if (remaining <= 0) {
        wake();
        return;
      }
      const seconds = Math.min(remaining, REAL_WORLD_POLL_SECONDS);
      timer = armTimer(Math.ceil(seconds * 1000), check);
    };
    nextTurn(check);
    return () => {
      disarmed = true;
      timer?.clear();
      this.#stopFollowing();
    };
  }

  #stopFollowing(): void {
    this.#now = this.time();
    this.#followingSince = null;
  }

  #waitsOnRealWorld(): boolean {
    if (clockHeld(this)) return true;
    for (const task of taskInternals.tasksOf(this)) {
      if (taskInternals.awaitsForeignWork(task)) return true;
    }
    return false;
  }
}
