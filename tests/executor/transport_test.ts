import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../mod.ts";
import { Buffer } from "node:buffer";
import {
  type JobContext,
  move,
  WorkerPoolExecutor,
} from "../../executor/mod.ts";
import { extension } from "../fixtures/runtime.ts";

const work = new URL(`./fixtures/work${extension}`, import.meta.url);

describe("arguments and results", () => {
  it("copies arguments and results by default: both sides keep theirs", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const bytes = new Uint8Array(1 << 20).fill(7);
      const raw = new ArrayBuffer(16);
      const nested = { inner: [new Float64Array(4)] };
      const sum = await pool.submit(
        (b: Uint8Array, r: ArrayBuffer, n: { inner: Float64Array[] }) => {
          b[0] = 0;
          return b.reduce((a, x) => a + x, 0) + r.byteLength +
            n.inner[0].length;
        },
        bytes,
        raw,
        nested,
      );
      assert.equal(sum, 7 * ((1 << 20) - 1) + 16 + 4);
      assert.equal(bytes.byteLength, 1 << 20);
      assert.equal(bytes[0], 7, "the worker changed its own copy");
      assert.equal(raw.byteLength, 16);
      assert.equal(nested.inner[0].length, 4);
      const made = await pool.submit(() => {
        const bytes = new Uint8Array(1024).fill(5);
        (globalThis as { kept?: Uint8Array }).kept = bytes;
        return { bytes };
      });
      assert.equal(made.bytes[1023], 5);
      const leftInWorker = await pool.submit(() =>
        (globalThis as { kept?: Uint8Array }).kept!.byteLength
      );
      assert.equal(leftInWorker, 1024, "the worker's copy is intact");
    });
  });

  it("takes a queued job's arguments as they were at submit", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const blocker = pool.submit(() => new Promise((r) => setTimeout(r, 50)));
      const bytes = new Uint8Array([1, 2, 3]);
      const list = [1, 2];
      const seen = pool.submit(
        (b: Uint8Array, l: number[]) => [...b, ...l],
        bytes,
        list,
      );
      bytes[0] = 9;
      list.push(3);
      await blocker;
      assert.deepEqual(await seen, [1, 2, 3, 1, 2]);
    });
  });

  it("moves what move() marks, both ways: the sender's copy is detached", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const bytes = new Uint8Array(1 << 20).fill(7);
      const raw = new ArrayBuffer(16);
      const view = new DataView(new ArrayBuffer(8));
      const movedBytes = move(bytes);
      assert.ok(movedBytes instanceof Uint8Array);
      const sizes = pool.submit(
        (b: Uint8Array, r: ArrayBuffer, v: DataView) => [
          b.reduce((a, x) => a + x, 0),
          r.byteLength,
          v.byteLength,
        ],
        movedBytes,
        move(raw),
        move(view),
      );
      assert.equal(bytes.byteLength, 0);
      assert.equal(raw.byteLength, 0);
      assert.equal(view.buffer.byteLength, 0);
      assert.deepEqual(await sizes, [7 * (1 << 20), 16, 8]);
      // Queued behind a busy worker, it is detached at submit too.
      const blocker = pool.submit(() => new Promise((r) => setTimeout(r, 50)));
      const more = new Uint8Array([1, 2, 3]);
      const length = pool.submit((b: Uint8Array) => b.length, move(more));
      assert.equal(more.byteLength, 0);
      await blocker;
      assert.equal(await length, 3);
      const made = await pool.submit(() => {
        const bytes = new Uint8Array(1024).fill(5);
        (globalThis as { kept?: Uint8Array }).kept = bytes;
        return { bytes: move(bytes) };
      });
      assert.equal(made.bytes[1023], 5);
      const leftInWorker = await pool.submit(() =>
        (globalThis as { kept?: Uint8Array }).kept!.byteLength
      );
      assert.equal(leftInWorker, 0, "the worker's copy was detached");
    });
  });

  it("copies what cannot be moved instead of failing", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      // Small Buffers share one pooled ArrayBuffer on Deno and Node, which
      // Deno will not detach; moving it would also empty its neighbours.
      const pooled = Buffer.from("hello");
      const neighbour = Buffer.from("world");
      const part = Buffer.from(new ArrayBuffer(16), 4, 5).fill(3);
      const shared = new Int32Array(new SharedArrayBuffer(8));
      assert.equal(move(part), part);
      assert.equal(move(shared), shared);
      const texts = await pool.submit(
        (p: Uint8Array, q: Uint8Array, s: Int32Array) => {
          Atomics.store(s, 0, 1);
          return [new TextDecoder().decode(p), q.length];
        },
        move(pooled),
        move(part),
        move(shared),
      );
      assert.deepEqual(texts, ["hello", 5]);
      assert.equal(part.length, 5);
      assert.equal(neighbour.toString(), "world");
      assert.equal(Atomics.load(shared, 0), 1, "shared, not copied");
      const whole = Buffer.alloc(64, 1);
      const moved = move(whole);
      assert.ok(Buffer.isBuffer(moved), "a Buffer stays a Buffer");
      assert.equal(whole.byteLength, 0);
      assert.throws(() => move("text" as never), TypeError);
    });
  });

  it("refuses an argument that cannot be cloned, at submit, queuing nothing", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const first = (...xs: unknown[]) => typeof xs[0];
      const notCloneable = [() => 1, Promise.resolve(1), Symbol("s")];
      for (const bad of notCloneable) {
        assert.throws(
          () => pool.submit(first, 1, bad),
          (error: Error) =>
            error instanceof TypeError && /Argument 2/.test(error.message),
        );
      }
      // Busy, so that the next submissions would have to be queued.
      const blocker = pool.submit(() => new Promise((r) => setTimeout(r, 50)));
      const buffer = move(new ArrayBuffer(8));
      assert.throws(() => pool.submit(first, buffer, () => 1), TypeError);
      assert.equal(buffer.byteLength, 8, "nothing was moved");
      await blocker;
      assert.equal(await pool.submit(first, 1), "number");
    });
  });

  it("fails the job, not the worker, when a result cannot be sent back", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await assert.rejects(
        async () => await pool.submit(() => () => "a function"),
        (error: Error) =>
          error.name === "TypeError" && /sent back/.test(error.message),
      );
      assert.equal(await pool.submit(() => "fine"), "fine");
    });
  });
});

describe("errors from workers", () => {
  it("arrive with name, message, stack, cause and extra properties", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await assert.rejects(
        async () =>
          await pool.submit({ module: work, name: "failParsing" }, 12),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.equal(error.name, "ParseError");
          assert.equal(error.message, "Unexpected token at line 12");
          assert.equal((error as Error & { line: number }).line, 12);
          assert.match(error.stack ?? "", /failParsing/);
          assert.ok(error.cause instanceof TypeError);
          assert.equal(error.cause.message, "not a digit");
          return true;
        },
      );
    });
  });

  it("keep properties holding objects, and leave behind what cannot be cloned", async () => {
    // A Python thread's exception keeps its attributes (CPython 3.13:
    // `42 {'k': [1, 2]}`); a worker's error crosses as clones of them.
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await assert.rejects(
        async () =>
          await pool.submit(() => {
            throw Object.assign(new RangeError("with attributes"), {
              code: 42,
              detail: { k: [1, 2] },
              callback: () => 1,
            });
          }),
        (error: Error & Record<string, unknown>) => {
          assert.equal(error.code, 42);
          assert.deepEqual(error.detail, { k: [1, 2] });
          assert.equal("callback" in error, false);
          return true;
        },
      );
    });
  });

  it("keep built-in classes, aggregate errors and thrown non-errors", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await assert.rejects(
        async () =>
          await pool.submit(() => {
            throw new RangeError("too big");
          }),
        (error: Error) =>
          error instanceof RangeError && error.message === "too big",
      );
      await assert.rejects(
        async () =>
          await pool.submit(() => {
            throw new AggregateError([new TypeError("a")], "both");
          }),
        (error: AggregateError) =>
          error instanceof AggregateError &&
          error.errors[0] instanceof TypeError,
      );
      await assert.rejects(
        async () =>
          await pool.submit(() => {
            throw { code: 7 };
          }),
        (thrown: unknown) => (thrown as { code: number }).code === 7,
      );
    });
  });
});

describe("functions sent by their source", () => {
  it("are refused at submit when they use outside variables", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      // An object, so that no transpiler inlines it as a constant.
      const settings = { factor: 3 };
      const scale = (n: number) => n * settings.factor;
      assert.throws(
        () => pool.submit(scale, 2),
        (error: Error) =>
          error instanceof TypeError && /'settings'/.test(error.message) &&
          /\{ module: new URL\(/.test(error.message) &&
          /name: "scale"/.test(error.message),
      );
      assert.throws(() => pool.map(scale, [1]), TypeError);
      assert.throws(() => pool.submit(Math.sqrt, 4), /built in or bound/);
      assert.throws(() => pool.submit(class {} as never), TypeError);
    });
  });

  it("may use globals, jobSignal, and their own name (to recurse)", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      function fib(n: number): number {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
      }
      const method = {
        twice(n: number) {
          return n * 2;
        },
      }.twice;
      const factorial = (n: number): number => n < 2 ? 1 : n * factorial(n - 1);
      const results = await Promise.all([
        pool.submit(fib, 15),
        pool.submit(method, 4),
        pool.submit(factorial, 5),
        pool.submit(({ values }: { values: number[] }) => Math.max(...values), {
          values: [3, 9, 4],
        }),
      ]);
      assert.deepEqual(results, [610, 8, 120, 9]);
    });
  });

  it("report a free variable the scan missed when the job runs", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      // The scan counts every name in a parameter list as declared.
      const sneaky = new Function("a = missingThing", "return a;") as () => 1;
      await assert.rejects(
        async () => await pool.submit(sneaky),
        (error: Error) =>
          error.name === "ReferenceError" && /module, name/.test(error.message),
      );
    });
  });
});

describe("bulk data", () => {
  it("moves 16 MiB both ways: the sender's buffer is detached each time", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const size = 16 << 20;
    const sent = new Uint8Array(size);
    sent[size - 1] = 2;
    const echo = function (this: JobContext, bytes: Uint8Array) {
      (globalThis as { kept?: Uint8Array }).kept = bytes;
      bytes[0] = 1;
      return this.move(bytes);
    };
    const echoed = pool.submit(echo, move(sent));
    assert.equal(sent.byteLength, 0, "moved to the worker at submit");
    const back = await echoed;
    assert.deepEqual([back.length, back[0], back[size - 1]], [size, 1, 2]);
    const leftInWorker = await pool.submit(() =>
      (globalThis as { kept?: Uint8Array }).kept!.byteLength
    );
    assert.equal(leftInWorker, 0, "moved back: the worker's copy detached");
  });
});
