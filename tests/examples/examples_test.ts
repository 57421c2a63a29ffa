import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { example, runScript } from "../fixtures/runtime.ts";

/** Each example program and the exact output it must print. */
const expected: Record<string, string[]> = {
  hello_world: ["Hello World!"],
  interleaving: [
    "cor1 start",
    "cor2 start",
    "cor1 0",
    "cor2 0",
    "cor1 1",
    "cor2 1",
    "cor1 2",
    "cor2 2",
  ],
  event_race: [
    "runner 1 waiting",
    "runner 2 waiting",
    "go!",
    "runner 1 triggered",
    "runner 2 triggered",
    "finished: runner 1, runner 2",
  ],
  future_result: ["done: 2, pending: 0", "Future is done!"],
  cancel_me: [
    "cancel_me(): before sleep",
    "cancel_me(): cancel sleep",
    "cancel_me(): after sleep",
    "main(): cancel_me is cancelled now",
  ],
  gather_vs_sequential: [
    "a done",
    "b done",
    "c done",
    "a done, b done, c done",
    "sequential took at least 0.9 s: true",
    "gather was faster than one after another: true",
  ],
  wait_first_completed: [
    "first completed: fast",
    "after the timeout: 0 done, 1 pending",
    "slow still running: true",
    "finally: slow",
  ],
  wait_for_timeout: ["eternity cleaned up", "timeout!"],
  spinner: [
    "spinner object created",
    "spinner cancelled after several turns",
    "Answer: 42",
  ],
  async_context_managers: [
    "open db",
    "using db, locked: true",
    "closed db",
    "after the block, locked: false",
  ],
  run_in_executor: [
    "Hello world!",
    "default thread pool 100 random bytes",
    "custom thread pool 100 random bytes",
    "custom process pool 333332833333500000",
  ],
  to_thread: [
    "started main",
    "blocking_io complete",
    "the loop ticked meanwhile: true",
    "finished main in less than 2 s: true",
  ],
  wget: [
    "wget www.sina.com.cn...",
    "wget www.sohu.com...",
    "wget www.163.com...",
    ...["www.sina.com.cn", "www.sohu.com", "www.163.com"].flatMap((host) => [
      `${host} header > HTTP/1.0 200 OK`,
      `${host} header > Server: aio-wget`,
      `${host} header > Content-Type: text/html`,
      `${host} header > Content-Length: ${host.length + 29}`,
    ]),
  ],
};

describe("examples", () => {
  for (const [name, lines] of Object.entries(expected)) {
    it(`${name} prints what its asyncio original prints`, async () => {
      const output = await runScript(example(name));
      assert.deepEqual(output.trimEnd().split("\n"), lines);
    });
  }

  it("deposit loses no deposit: awaits that do not suspend keep a step whole", async () => {
    const output = await runScript(example("deposit"));
    assert.equal(output.trim(), "5");
  });
});
