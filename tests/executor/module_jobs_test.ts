import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { moduleFunctions, WorkerPoolExecutor } from "../../executor/mod.ts";
import type * as Work from "./fixtures/work.ts";
import { extension } from "../fixtures/runtime.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

describe("module jobs", () => {
  it("find the compiled .js file when the .ts one cannot be loaded", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    // As code compiled by tsc names it: by its .ts URL, with only the .js
    // file beside the compiled code.
    const compiled = new URL("compiled_work.ts", fixtures);
    assert.equal(
      await pool.submit<number>({ module: compiled, name: "double" }, 21),
      42,
    );
  });

  it("name the file of a module that cannot be loaded", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const missing = new URL("no such module.ts", fixtures);
    await assert.rejects(
      async () => await pool.submit({ module: missing, name: "f" }),
      (error: Error) => {
        assert.match(error.message, /cannot load the module/);
        assert.ok(
          error.message.includes("fixtures/no such module.ts"),
          error.message,
        );
        assert.ok(error.message.includes("no such module.js"), error.message);
        assert.doesNotMatch(error.message, /data:|%20/);
        return true;
      },
    );
    assert.equal(
      await pool.submit(() => "the worker lives on"),
      "the worker lives on",
    );
  });

  it("are typed through moduleFunctions()", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const work = moduleFunctions<typeof Work>(
      new URL(`work${extension}`, fixtures),
    );
    assert.deepEqual({ ...work.fib }, {
      module: new URL(`work${extension}`, fixtures),
      name: "fib",
    });
    const fib: number = await pool.submit(work.fib, 20);
    assert.equal(fib, 6765);
    const out: number[] = [];
    for await (const v of pool.map(work.fib, [5, 6])) out.push(v);
    assert.deepEqual(out, [5, 8]);
    // @ts-expect-error: fib takes a number.
    assert.throws(() => pool.submit(work.fib, "20", () => 1), TypeError);
    // @ts-expect-error: the module exports no function of that name.
    assert.equal(work.nothingLikeThis.name, "nothingLikeThis");
    assert.throws(() => moduleFunctions("./work.ts"), TypeError);
  });
});
