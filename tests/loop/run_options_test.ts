// The options of run() and Runner are checked at the call: an unknown key
// or a value of the wrong type is a TypeError, never ignored.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newEventLoop, run, Runner, type RunOptions } from "../../mod.ts";

const main = () => 1;

/** Each bad options object, and what the TypeError must say. */
const bad: [string, unknown, RegExp][] = [
  [
    "an unknown key",
    { debgu: true },
    /no option "debgu"; it accepts debug, loopFactory$/,
  ],
  [
    "options that are not an object",
    "debug",
    /options of .* must be an object/,
  ],
  [
    "a debug that is not a boolean",
    { debug: "yes" },
    /debug option .* boolean/,
  ],
  [
    "a loopFactory that is not a function",
    { loopFactory: 1 },
    /loopFactory must be a function/,
  ],
];

function typeError(message: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof TypeError && message.test(error.message);
}

describe("run() options", () => {
  for (const [what, options, message] of bad) {
    it(`rejects ${what} with a TypeError`, async () => {
      await assert.rejects(
        run(main, options as RunOptions),
        typeError(message),
      );
    });
  }

  it("names run() in the error", async () => {
    await assert.rejects(
      run(main, { x: 1 } as RunOptions),
      typeError(/^run\(\) has no option "x"/),
    );
  });

  it("accepts the known options, and null for either", async () => {
    assert.equal(
      await run(main, { debug: true, loopFactory: newEventLoop }),
      1,
    );
    assert.equal(await run(main, { debug: null, loopFactory: null }), 1);
    assert.equal(await run(main, undefined), 1);
  });
});

describe("Runner options", () => {
  for (const [what, options, message] of bad) {
    it(`rejects ${what} with a TypeError at new Runner()`, () => {
      assert.throws(
        () => new Runner(options as RunOptions),
        typeError(message),
      );
    });
  }

  it("names Runner() in the error", () => {
    assert.throws(
      () => new Runner({ x: 1 } as RunOptions),
      typeError(/^Runner\(\) has no option "x"/),
    );
  });

  it("accepts the known options", async () => {
    await using runner = new Runner({ debug: true });
    assert.equal(runner.getLoop().getDebug(), true);
  });
});
