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

/** Programs of our own, each printing the same lines on every run. */
const programs: Record<string, string[]> = {
  crawler: [
    "depth 0: /",
    "depth 1: /about /blog /docs",
    "depth 2: /blog/1 /blog/2 /docs/api /team",
    "crawled 8 pages",
    "most fetches at once: 2",
    "crawl failed: HttpError: HTTP 500 for /broken",
    "the fetch of /never was aborted: true",
  ],
  chat: [
    "alice hears: welcome alice, 1 online",
    "bob hears: welcome bob, 2 online",
    "alice hears: * bob joined",
    "bob hears: <alice> hi bob",
    "alice hears: <bob> hello alice",
    "carol hears: welcome carol, 3 online",
    "alice hears: * carol joined",
    "bob hears: * carol joined",
    "alice hears: <carol> hi all",
    "bob hears: <carol> hi all",
    "bob hears: bye bob",
    "bob hears: (connection closed)",
    "alice hears: * bob left",
    "carol hears: * bob left",
    "alice hears: bye alice",
    "alice hears: (connection closed)",
    "carol hears: * alice left",
    "carol hears: bye carol",
    "carol hears: (connection closed)",
    "server closed, 0 online",
  ],
  hashing: [
    "buffer 0: 2097152 bytes, sha256 13be75161a6f158a",
    "buffer 1: 2097152 bytes, sha256 705d9538107c9a8b",
    "buffer 2: 2097152 bytes, sha256 d005db9c74595c50",
    "buffer 3: 2097152 bytes, sha256 de3086ef68024bb4",
    "buffer 4: 2097152 bytes, sha256 61d6f5b8949025e7",
    "buffer 5: 2097152 bytes, sha256 0c29a64af739e7b3",
    "pool.map matches the serial digests: true",
    "toThread matches the serial digests: true",
  ],
};

describe("examples", () => {
  for (const [name, lines] of Object.entries(expected)) {
    it(`${name} prints what its asyncio original prints`, async () => {
      const output = await runScript(example(name));
      assert.deepEqual(output.trimEnd().split("\n"), lines);
    });
  }

  for (const [name, lines] of Object.entries(programs)) {
    it(`${name} prints the same lines on every run`, async () => {
      const output = await runScript(example(name));
      assert.deepEqual(output.trimEnd().split("\n"), lines);
    });
  }

  it("deposit loses no deposit: awaits that do not suspend keep a step whole", async () => {
    const output = await runScript(example("deposit"));
    assert.equal(output.trim(), "5");
  });
});
