/**
 * CPython 3.13's `Lib/test/test_asyncio/test_pep492.py` (3.13.0), ported:
 * the `async with` and `async for` forms of asyncio's primitives and
 * streams. `async with lock` is `using _ = await lock.acquire()` here, and
 * the ticket it gives is what `__aenter__`'s `None` is in Python (nothing
 * the body needs).
 *
 * Skipped, and why:
 * - `test_context_manager_with_await` (`with await lock` is a TypeError):
 *   JavaScript has no `with`, and `await lock` on a non-promise is the
 *   lock itself.
 * - `CoroutineTests.test_iscoroutine*`, `test_types_coroutine`,
 *   `test_debug_mode_manages_coroutine_origin_tracking`,
 *   `test_task_print_stack`, `test_double_await`: Python's coroutine
 *   objects, generators and frames; a JavaScript async function's promise
 *   can be awaited any number of times.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  Condition,
  Lock,
  Semaphore,
  sleep,
} from "../../mod.ts";
import { StreamReader } from "../../streams/mod.ts";
import { onNewLoop } from "../fixtures/cpython_utils.ts";
import { bytes, text } from "../fixtures/bytes.ts";

describe("CPython test_pep492.py: LockTests", () => {
  it("test_context_manager_async_with", async () => {
    const primitives = [
      new Lock(),
      new Condition(),
      new Semaphore(),
      new BoundedSemaphore(),
    ];
    const test = async (lock: (typeof primitives)[number]) => {
      await sleep(0.01);
      assert.equal(lock.locked(), false);
      {
        using _lock = await lock.acquire();
        assert.equal(lock.locked(), true);
        await sleep(0.01);
        assert.equal(lock.locked(), true);
      }
      assert.equal(lock.locked(), false);
    };
    for (const primitive of primitives) {
      await onNewLoop(() => test(primitive));
      assert.equal(primitive.locked(), false, primitive.constructor.name);
    }
  });
});

describe("CPython test_pep492.py: StreamReaderTests", () => {
  it("test_readline", async () => {
    const data = await onNewLoop(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("line1\nline2\nline3"));
      stream.feedEof();
      const data: string[] = [];
      for await (const line of stream) data.push(text(line));
      return data;
    });
    assert.deepEqual(data, ["line1\n", "line2\n", "line3"]);
  });
});

describe("CPython test_pep492.py: CoroutineTests", () => {
  it("test_async_def_coroutines", async () => {
    const bar = async () => {
      await sleep(0);
      return "spam";
    };
    const foo = async () => await bar();
    // production mode
    assert.equal(await onNewLoop(() => foo()), "spam");
    // debug mode
    assert.equal(
      await onNewLoop((loop) => {
        loop.setDebug(true);
        return foo();
      }),
      "spam",
    );
  });
});
