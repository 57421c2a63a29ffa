import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { freeVariables } from "../../executor/free_variables.ts";
import { packThrown, unpackThrown } from "../../executor/error_transport.ts";
import { trackJobSignals } from "../../executor/job_signal.ts";
import { copyBuffer, move, scanMessage } from "../../executor/transfer.ts";
import { importJobModule } from "../../executor/module_import.ts";
import { workerMain } from "../../executor/worker_main.ts";

describe("the code shipped to workers by its source", () => {
  it("uses nothing from outside itself but globals", () => {
    const shipped = [
      workerMain,
      packThrown,
      trackJobSignals,
      scanMessage,
      move,
      copyBuffer,
      importJobModule,
    ];
    for (const fn of shipped) {
      const outside = freeVariables(String(fn)).filter((name) =>
        !(name in globalThis)
      );
      assert.deepEqual(outside, [], fn.name);
    }
  });
});

describe("scanMessage", () => {
  it("finds each buffer once, behind views and inside containers", () => {
    const buffer = move(new ArrayBuffer(8));
    const other = new ArrayBuffer(4);
    const shared = new SharedArrayBuffer(4);
    const value = [
      buffer,
      new Uint8Array(buffer),
      { nested: new DataView(other) },
      new Map([["k", new Int32Array(shared)]]),
      new Set([buffer]),
    ];
    const scan = scanMessage(value);
    assert.deepEqual(scan.buffers, [buffer, other]);
    assert.deepEqual(scan.moved, [buffer], "only what move() marked");
    assert.equal("unsendable" in scan, false);
  });

  it("notes the first value that cannot be cloned", () => {
    const fn = () => 1;
    assert.equal(scanMessage([1, { deep: [fn] }]).unsendable, fn);
    assert.ok(scanMessage([Promise.resolve()]).unsendable instanceof Promise);
    assert.equal(typeof scanMessage(Symbol("s")).unsendable, "symbol");
  });
});

describe("packThrown and unpackThrown", () => {
  it("round-trip errors through structured clone", () => {
    class ParseError extends Error {
      line = 3;
      override name = "ParseError";
    }
    const error = new ParseError("bad", { cause: new RangeError("deep") });
    const back = unpackThrown(structuredClone(packThrown(error))) as Error;
    assert.equal(back.name, "ParseError");
    assert.equal(back.message, "bad");
    assert.equal(back.stack, error.stack);
    assert.equal((back as ParseError).line, 3);
    assert.ok(back.cause instanceof RangeError);
  });

  it("keep thrown non-errors, cloned or described", () => {
    assert.equal(unpackThrown(packThrown("text")), "text");
    assert.deepEqual(unpackThrown(packThrown({ code: 1 })), { code: 1 });
    assert.equal(typeof unpackThrown(packThrown(() => 1)), "string");
  });
});
