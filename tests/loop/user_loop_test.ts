import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AbstractEventLoop,
  CancelledError,
  type ExceptionContext,
  Future,
  Handle,
  sleep,
  Task,
  TimerHandle,
} from "../../mod.ts";

/**
 * A loop written against the public `AbstractEventLoop` only: a FIFO of
 * handles and a list of timers, run until a future is done.
 */
class MiniLoop implements AbstractEventLoop {
  readonly #ready: Handle[] = [];
  #timers: TimerHandle[] = [];
  #sequence = 0;
  #running = false;
  readonly errors: ExceptionContext[] = [];
  cancelledTimers = 0;

  time(): number {
    return performance.now() / 1000;
  }

  callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    const handle = new Handle(callback as never, args, this);
    this.#ready.push(handle);
    return handle;
  }

  callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    return this.callAt(this.time() + delay, callback, ...args);
  }

  callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    const handle = new TimerHandle(
      when,
      this.#sequence++,
      callback as never,
      args,
      this,
    );
    this.#timers.push(handle);
    return handle;
  }

  timerHandleCancelled(_handle: TimerHandle): void {
    this.cancelledTimers++;
  }

  isRunning(): boolean {
    return this.#running;
  }

  isClosed(): boolean {
    return false;
  }

  callExceptionHandler(context: ExceptionContext): void {
    this.errors.push(context);
  }

  getDebug(): boolean {
    return false;
  }

  /** Runs ready handles and due timers until `future` is done and none is ready. */
  async runUntilDone(future: Future<unknown>): Promise<void> {
    this.#running = true;
    try {
      while (!future.done() || this.#ready.length > 0) {
        const now = this.time();
        const due = this.#timers.filter((t) => t.when() <= now);
        this.#timers = this.#timers.filter((t) => t.when() > now);
        due.sort((a, b) => a.when() - b.when() || a.sequence - b.sequence);
        this.#ready.push(...due);
        for (const handle of this.#ready.splice(0)) {
          if (!handle.cancelled()) handle.run();
        }
        // Task steps go on in microtasks; a host turn lets them all run.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      this.#running = false;
    }
  }
}

describe("a loop of one's own (AbstractEventLoop)", () => {
  it("wakes futures' awaiters and done callbacks through callSoon", async () => {
    const loop = new MiniLoop();
    const future = new Future<string>(loop);
    const seen: string[] = [];
    future.addDoneCallback((done) => seen.push(`callback ${done.result()}`));
    const task = new Task(async () => `awaited ${await future}`, { loop });
    loop.callSoon(() => future.setResult("value"));
    await loop.runUntilDone(task);
    assert.equal(task.result(), "awaited value");
    assert.deepEqual(seen, ["callback value"]);
    assert.deepEqual(loop.errors, []);
  });

  it("runs tasks that sleep, and cancels them at the await", async () => {
    const loop = new MiniLoop();
    const steps: string[] = [];
    const sleeper = new Task(async () => {
      steps.push("sleeping");
      try {
        await sleep(3600);
      } catch (error) {
        steps.push((error as Error).name);
        throw error;
      }
    }, { loop });
    const main = new Task(async () => {
      await sleep(0);
      await sleep(0.001);
      sleeper.cancel();
      try {
        await sleeper;
      } catch (error) {
        return error instanceof CancelledError;
      }
      return false;
    }, { loop });
    await loop.runUntilDone(main);
    assert.equal(main.result(), true);
    assert.deepEqual(steps, ["sleeping", "CancelledError"]);
    assert.ok(sleeper.cancelled());
    assert.ok(
      loop.cancelledTimers >= 1,
      "the loop heard of the cancelled timer",
    );
  });
});
