import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { openConnection } from "../../streams/mod.ts";
import { createSubprocessExec } from "../../subprocess/mod.ts";
import { createTask, sleep } from "../../mod.ts";
import { runVirtual } from "../../testing/mod.ts";

/** A plain host server that answers each line after `delayMs` of real time. */
async function slowServer(delayMs: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.once("data", () => {
      setTimeout(() => socket.end("answer\n"), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

describe("streams under a virtual clock", () => {
  it("a pending socket read holds the clock: a timer does not jump past it", async () => {
    const server = await slowServer(200);
    const { port } = server.address() as net.AddressInfo;
    try {
      const [line, order] = await runVirtual(async () => {
        const order: string[] = [];
        const [reader, writer] = await openConnection("127.0.0.1", port);
        writer.write(new TextEncoder().encode("question\n"));
        const reading = createTask(async () => {
          const line = await reader.readline();
          order.push("answered");
          return line;
        });
        const timer = createTask(async () => {
          await sleep(30);
          order.push("30 s passed");
        });
        const line = await reading;
        await timer;
        writer.close();
        await writer.waitClosed();
        return [new TextDecoder().decode(line), order];
      });
      assert.equal(line, "answer\n");
      assert.deepEqual(order, ["answered", "30 s passed"]);
    } finally {
      server.close();
    }
  });

  it("a process wait holds the clock: a timer does not jump past it", async () => {
    const [code, order] = await runVirtual(async () => {
      const order: string[] = [];
      const child = await createSubprocessExec("sleep", "0.3");
      const timer = createTask(async () => {
        await sleep(5);
        order.push("5 s passed");
      });
      const code = await child.wait();
      order.push("exited");
      await timer;
      return [code, order];
    });
    assert.equal(code, 0);
    assert.deepEqual(order, ["exited", "5 s passed"]);
  });
});
