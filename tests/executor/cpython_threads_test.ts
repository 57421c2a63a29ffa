/**
 * CPython 3.13's `Lib/test/test_asyncio/test_threads.py` (3.13.0), ported:
 * `asyncio.to_thread` is `toThread`, whose function runs in a worker of
 * the default executor. A worker shares no memory with the caller, so
 * CPython's `mock.Mock()` call counts are a `SharedArrayBuffer` counter
 * the function increments with `Atomics` (the one kind of memory a worker
 * does share), and `sum` is a self-contained function.
 *
 * Skipped, and why:
 * - `test_to_thread_contextvars`: a worker runs code sent by its source in
 *   another thread with no shared objects, so no `AsyncLocalStorage` value
 *   reaches it (README: executors send code to workers by source; no
 *   threads share memory).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gather, run, RuntimeError } from "../../mod.ts";
import { toThread } from "../../executor/mod.ts";

/** A counter a worker can increment: CPython's `mock.Mock()` call count. */
function counter(): { cells: SharedArrayBuffer; count(): number } {
  const cells = new SharedArrayBuffer(4);
  return { cells, count: () => Atomics.load(new Int32Array(cells), 0) };
}

describe("CPython test_threads.py: ToThreadTests", () => {
  it("test_to_thread", async () => {
    const result = await run(() =>
      toThread((values: number[]) => values.reduce((a, b) => a + b, 0), [
        40,
        2,
      ])
    );
    assert.equal(result, 42);
  });

  it("test_to_thread_exception", async () => {
    await run(async () => {
      await assert.rejects(
        async () =>
          await toThread(() => {
            // The worker rebuilds the library's error classes by name.
            throw Object.assign(new Error("test"), { name: "RuntimeError" });
          }),
        (error: unknown) =>
          error instanceof RuntimeError && /test/.test(error.message),
      );
    });
  });

  it("test_to_thread_once", async () => {
    const func = counter();
    await run(() =>
      toThread((cells: SharedArrayBuffer) => {
        Atomics.add(new Int32Array(cells), 0, 1);
      }, func.cells)
    );
    assert.equal(func.count(), 1);
  });

  it("test_to_thread_concurrent", async () => {
    const calls = counter();
    await run(async () => {
      const futs = [];
      for (let i = 0; i < 10; i++) {
        futs.push(
          toThread((cells: SharedArrayBuffer) => {
            Atomics.add(new Int32Array(cells), 0, 1);
          }, calls.cells),
        );
      }
      await gather(...futs);
    });
    assert.equal(calls.count(), 10);
  });

  it("test_to_thread_args_kwargs", async () => {
    // Python's keyword arguments are an options object here: every
    // argument reaches the function as given, once.
    const func = counter();
    const received = await run(() =>
      toThread(
        (cells: SharedArrayBuffer, ...args: unknown[]) => {
          Atomics.add(new Int32Array(cells), 0, 1);
          return args;
        },
        func.cells,
        "test",
        { something: true },
      )
    );
    assert.equal(func.count(), 1);
    assert.deepEqual(received, ["test", { something: true }]);
  });
});
