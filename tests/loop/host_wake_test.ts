import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import process from "node:process";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createTask,
  currentTask,
  type EventLoop,
  getRunningLoop,
  Protocol,
  run,
  sleep,
  type Transport,
} from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { internals as streamInternals } from "../../loop/_transport_internals.ts";
import type { StreamTransport } from "../../loop/socket_transport.ts";

const HOST = "127.0.0.1";

/** A node:net server that runs `onSocket` for its one client; resolves to its port. */
function peer(onSocket: (socket: net.Socket) => void): Promise<[
  number,
  () => void,
]> {
  return new Promise((resolve) => {
    const server = net.createServer(onSocket);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve([port, () => server.close()]);
    });
  });
}

/** Records what arrives, and what the loop looks like from there. */
class Recorder extends Protocol {
  readonly log: string[] = [];
  readonly contexts: [loop: EventLoop, task: unknown][] = [];
  transport: Transport | null = null;
  constructor(readonly loop: EventLoop) {
    super();
  }
  override connectionMade(transport: Transport) {
    this.transport = transport;
  }
  override dataReceived(data: Uint8Array) {
    this.log.push(`data ${text(data)}`);
    this.contexts.push([getRunningLoop(), currentTask()]);
  }
  override eofReceived() {
    this.log.push("eof");
    this.contexts.push([getRunningLoop(), currentTask()]);
  }
}

describe("host callbacks and the loop's iteration", () => {
  it("data that arrives while callbacks are ready runs after them, in FIFO order", async () => {
    const [port, close] = await peer((socket) => socket.pipe(socket));
    const log = await run(async () => {
      const loop = getRunningLoop();
      const [transport, protocol] = await loop.createConnection(
        () => new Recorder(loop),
        HOST,
        port,
      );
      const log = protocol.log;
      const done = loop.createFuture<void>();
      let round = 0;
      let roundsAfterData = 0;
      // Each round queues a, b and the next round: the ready queue is
      // never empty, so the echo arrives while callbacks are ready.
      const spin = () => {
        const n = round++;
        // Sent once a pair has run, so that one is there to come after.
        if (n === 1) transport.write(bytes("ping"));
        loop.callSoon(() => log.push(`a${n}`));
        loop.callSoon(() => log.push(`b${n}`));
        const dataSeen = log.some((entry) => entry.startsWith("data"));
        if (dataSeen) roundsAfterData++;
        if (roundsAfterData < 3 && round < 1_000_000) loop.callSoon(spin);
        else done.setResult();
      };
      loop.callSoon(spin);
      await done;
      transport.close();
      return log;
    });
    close();
    const at = log.indexOf("data ping");
    assert.ok(at > 0, `the echo arrived: ${log.slice(-8)}`);
    // It came after the a/b pair that was ready, not inside it.
    const before = log[at - 1];
    const after = log[at + 1];
    assert.match(before, /^b\d+$/);
    const n = Number(before.slice(1));
    assert.equal(after, `a${n + 1}`);
    // Every other entry is in the order it was queued.
    const rest = log.filter((entry) => entry !== "data ping");
    const expected = Array.from(
      { length: rest.length / 2 },
      (_, i) => [`a${i}`, `b${i}`],
    ).flat();
    assert.deepEqual(rest, expected);
  });

  it("an idle loop woken by bytes runs their callback in its own context, then what it scheduled, in order", async () => {
    let send: ((data: string) => void) | null = null;
    let accepted: () => void = () => {};
    const connected = new Promise<void>((resolve) => accepted = resolve);
    const [port, close] = await peer((socket) => {
      send = (data) => socket.write(data);
      accepted();
    });
    const [log, contexts, loopSeen] = await run(async () => {
      const loop = getRunningLoop();
      const [transport, protocol] = await loop.createConnection(
        () => new Recorder(loop),
        HOST,
        port,
      );
      await connected;
      const order: string[] = [];
      const received = loop.createFuture<void>();
      protocol.dataReceived = (data: Uint8Array) => {
        Recorder.prototype.dataReceived.call(protocol, data);
        order.push(`data ${text(data)}`);
        loop.callSoon(() => order.push("soon 1"));
        loop.callSoon(() => order.push("soon 2"));
        if (!received.done()) received.setResult();
      };
      // The loop is idle (nothing ready, no timer) when the bytes come.
      send!("one");
      await received;
      await new Promise<void>((resolve) => loop.callSoon(resolve));
      order.push("task");
      transport.close();
      return [order, protocol.contexts, loop];
    });
    close();
    assert.deepEqual(log, ["data one", "soon 1", "soon 2", "task"]);
    for (const [loop, task] of contexts) {
      assert.equal(loop, loopSeen);
      assert.equal(task, null);
    }
  });

  it("chunks and EOF reach the protocol in the order they arrived, each in the loop's context", async () => {
    const [port, close] = await peer((socket) => {
      socket.write("x");
      setTimeout(() => socket.end("y"), 10);
    });
    const [log, contexts, loopSeen] = await run(async () => {
      const loop = getRunningLoop();
      const eof = loop.createFuture<void>();
      const [transport, protocol] = await loop.createConnection(
        () => {
          const recorder = new Recorder(loop);
          recorder.eofReceived = () => {
            Recorder.prototype.eofReceived.call(recorder);
            eof.setResult();
          };
          return recorder;
        },
        HOST,
        port,
      );
      await eof;
      transport.close();
      return [protocol.log, protocol.contexts, loop];
    });
    close();
    // The two writes may arrive as one chunk on a busy machine.
    assert.equal(log.at(-1), "eof");
    const data = log.slice(0, -1);
    assert.ok(data.every((entry) => entry.startsWith("data ")));
    assert.equal(data.map((entry) => entry.slice(5)).join(""), "xy");
    assert.equal(contexts.length, log.length);
    for (const [loop, task] of contexts) {
      assert.equal(loop, loopSeen);
      assert.equal(task, null);
    }
  });

  it("a loop that never waits gives the host reading turns while a socket is open", async () => {
    // On Deno a plain setImmediate turn does not read sockets (its runtime
    // reads them every 61 ticks: loopback data waited ~120 turns), so
    // there the busy loop's host turn waits on the thread pool while the
    // loop waits on the real world, which makes it read them (README).
    // Counted through that turn's op, as the turns' timing depends on the
    // machine's load; Bun and Node read sockets on every turn.
    const subtle = crypto.subtle;
    const digest = subtle.digest;
    let turns = 0;
    subtle.digest = function (...args: Parameters<typeof digest>) {
      turns++;
      return digest.apply(this, args);
    };
    const [port, close] = await peer(() => {});
    try {
      const spin = async (n: number) => {
        const before = turns;
        for (let i = 0; i < n; i++) {
          const until = performance.now() + 1.5;
          while (performance.now() < until) {
            // Computing past the loop's 1 ms budget: a host turn each.
          }
          await sleep(0);
        }
        return turns - before;
      };
      const [idle, open] = await run(async () => {
        const loop = getRunningLoop();
        const idle = await spin(5);
        const [transport] = await loop.createConnection(
          () => new Recorder(loop),
          HOST,
          port,
        );
        const open = await spin(5);
        transport.close();
        return [idle, open];
      });
      assert.equal(idle, 0);
      if ("deno" in process.versions) assert.ok(open >= 5, `${open} turns`);
      else assert.equal(open, 0);
    } finally {
      subtle.digest = digest;
      close();
    }
  });

  it("a protocol called after a task's step in the same batch runs outside that task", async () => {
    // The loop goes on with a batch from the await that ended a task's
    // step; the protocol must not see that task, or its context, as its
    // own, nor hand that context to the tasks it starts.
    const [port, close] = await peer(() => {});
    const storage = new AsyncLocalStorage<string>();
    const seen = await run(async () => {
      const loop = getRunningLoop();
      const seen: unknown[] = [];
      class Watcher extends Protocol {
        override dataReceived() {
          seen.push(currentTask(), storage.getStore());
          const child = createTask(async () => storage.getStore());
          child.addDoneCallback(() => seen.push(child.result()));
        }
      }
      const [transport] = await loop.createConnection(
        () => new Watcher(),
        HOST,
        port,
      );
      const go = loop.createFuture<void>();
      const never = loop.createFuture<void>();
      const sleeper = createTask(() =>
        storage.run("the sleeper's", async () => {
          await go;
          await never;
        })
      );
      await sleep(0);
      // One batch: the sleeper's step, then the bytes' callback.
      go.setResult();
      streamInternals.streamEvents(transport as StreamTransport).onData(
        bytes("x"),
      );
      await sleep(0);
      await sleep(0);
      sleeper.cancel();
      transport.close();
      return seen;
    });
    close();
    assert.deepEqual(seen, [null, undefined, undefined]);
  });
});
