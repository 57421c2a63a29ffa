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
    assert.match(text, /transport: \{ peer: '127\.0\.0\.1', port: 8080 \}/);
  });

  it("keeps the library's own descriptions of tasks and futures", async () => {
    const text = await run(async () => {
      const task = createTask(() => sleep(0), { name: "worker" });
      await task;
      return printed({ message: "m", task });
    });
    assert.match(text, /task: <Task finished name='worker'/);
  });

  it("shows the original report when a custom handler throws", async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (text: string) => lines.push(text);
    try {
      await run(async () => {
        const loop = getRunningLoop();
        loop.setExceptionHandler(() => {
          throw new Error("handler broke");
        });
        loop.callSoon(() => {
          throw new RangeError("the real cause");
        });
        await sleep(0);
      });
    } finally {
      console.error = original;
    }
    const text = lines.join("\n");
    assert.match(text, /Unhandled error in the exception handler/);
    assert.match(text, /Error: handler broke/);
    assert.match(text, /context:\n {2}Exception in callback/);
    assert.match(text, /RangeError: the real cause/);
    assert.doesNotMatch(text, /\[object Object\]/);
  });
});
