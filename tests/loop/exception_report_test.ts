import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createTask,
  ExceptionGroup,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
} from "../../mod.ts";
import { captureConsole } from "../fixtures/console.ts";

/** What the default handler prints for `context`. */
function printed(
  context: { message: string; [key: string]: unknown },
): string {
  const loop = newEventLoop();
  const lines: string[] = [];
  const original = console.error;
  console.error = (text: string) => lines.push(text);
  try {
    loop.defaultExceptionHandler(context);
  } finally {
    console.error = original;
    loop.close();
  }
  return lines.join("\n");
}

describe("the default exception handler's report", () => {
  it("prints a group as a tree of its sub-errors, nested groups too", () => {
    const text = printed({
      message: "Task exception was never retrieved",
      exception: new ExceptionGroup("outer", [
        new RangeError("first"),
        new ExceptionGroup("inner", [new TypeError("deep")]),
      ]),
    });
    assert.match(text, /ExceptionGroup: outer \(2 sub-exceptions\)/);
    assert.match(text, /\+-+ 1 -+\n\| RangeError: first/);
    assert.match(
      text,
      /\+-+ 2 -+\n\| ExceptionGroup: inner \(1 sub-exception\)/,
    );
    assert.match(text, /\| \+-+ 1 -+\n\| \| TypeError: deep/);
  });

  it("prints a plain object value readably, not [object Object]", () => {
    const text = printed({
      message: "Fatal error on transport",
      transport: { peer: "127.0.0.1", port: 8080 },
    });
    assert.doesNotMatch(text, /\[object Object\]/);
    assert.match(text, /transport: \{'peer': '127\.0\.0\.1', 'port': 8080\}/);
  });

  it("prints the keys sorted and each value as Python's repr(), as asyncio's handler", () => {
    // CPython 3.13's default_exception_handler logs these same lines.
    const text = printed({
      message: "m",
      zeta: 1,
      alpha: "two",
      data: [1, 2],
      empty: [],
      words: ["a,b", "c"],
      obj: { a: 1 },
      nothing: null,
      flag: true,
    });
    assert.equal(
      text,
      [
        "m",
        "alpha: 'two'",
        "data: [1, 2]",
        "empty: []",
        "flag: True",
        "nothing: None",
        "obj: {'a': 1}",
        "words: ['a,b', 'c']",
        "zeta: 1",
      ].join("\n"),
    );
  });

  it("keeps the library's own descriptions of tasks and futures", async () => {
    const text = await run(async () => {
      const task = createTask(() => sleep(0), { name: "worker" });
      await task;
      return printed({ message: "m", task });
    });
    assert.match(text, /task: <Task finished name='worker'/);
  });

  it("prints bytes, maps, control characters and values that contain themselves as Python does", () => {
    // CPython 3.13's repr() of the same values; a value containing itself
    // overflowed the stack, and the whole report was lost.
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    const text = printed({
      message: "m",
      a: new Uint8Array([1, 2, 3, 10, 39, 200]),
      b: new Uint8Array(),
      c: new Map([["k", 1]]),
      d: "é\u0000x",
      e: cyclic,
    });
    assert.equal(
      text,
      [
        "m",
        `a: b"\\x01\\x02\\x03\\n'\\xc8"`,
        "b: b''",
        "c: {'k': 1}",
        "d: 'é\\x00x'",
        "e: {'x': 1, 'self': {...}}",
      ].join("\n"),
    );
  });

  it("shows the original report when a custom handler throws", async () => {
    const lines = await captureConsole("error", () =>
      run(async () => {
        const loop = getRunningLoop();
        loop.setExceptionHandler(() => {
          throw new Error("handler broke");
        });
        loop.callSoon(() => {
          throw new RangeError("the real cause");
        });
        await sleep(0);
      }));
    const text = lines.join("\n");
    // CPython 3.13 logs the failed handler's context as a dict's repr.
    assert.match(text, /^Unhandled error in exception handler\n/);
    assert.match(text, /Error: handler broke/);
    assert.match(
      text,
      /\ncontext: \{'message': 'Exception in callback anonymous\(\)', 'exception': RangeError\('the real cause'\), 'handle': <Handle anonymous\(\)>\}\n/,
    );
    assert.doesNotMatch(text, /\[object Object\]/);
  });
});
