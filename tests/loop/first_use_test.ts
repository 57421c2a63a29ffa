import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { getRunningLoop, Protocol, run } from "../../mod.ts";
import { WorkerPoolExecutor } from "../../executor/mod.ts";

// Alone in its file, so that every part below is imported for the first
// time, inside a task: a load must not leave that task behind as the
// context of code that runs later, outside it (Deno's test runner did run
// the next test inside it).
describe("parts imported on first use, inside a task", () => {
  it("work: lookups, a server, a connection, UDP, a pipe and a worker job", async () => {
    const got = await run(async () => {
      const loop = getRunningLoop();
      const names = await loop.getaddrinfo("localhost", 0);
      const server = await loop.createServer(
        () => new Protocol(),
        "127.0.0.1",
        0,
      );
      const port = server.sockets[0].getsockname()[1] as number;
      const [client] = await loop.createConnection(
        () => new Protocol(),
        "127.0.0.1",
        port,
      );
      client.close();
      server.close();
      await server.waitClosed();
      const [udp] = await loop.createDatagramEndpoint(() => ({}), {
        localAddr: ["127.0.0.1", 0],
      });
      udp.close();
      const [pipe] = await loop.connectWritePipe(
        () => ({}),
        new PassThrough(),
      );
      pipe.close();
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      return [names.length > 0, await pool.submit(() => 42)];
    });
    assert.deepEqual(got, [true, 42]);
  });
});

describe("after those loads", () => {
  it("code outside any loop is in no task's context", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    // Awaited inside a finished task's context, this future would be
    // refused as belonging to another loop.
    assert.equal(await pool.submit((n: number) => n + 1, 41), 42);
  });
});
