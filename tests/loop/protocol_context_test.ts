/**
 * The loop goes on with a batch from the await that ended a task's step,
 * still in that task's context, so each protocol call that a transport or
 * a server makes from a loop callback is made here right after such a
 * step, and must see no current task, none of that task's
 * `AsyncLocalStorage` values, and give none of them to the tasks it starts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import net from "node:net";
import {
  createTask,
  currentTask,
  type EventLoop,
  type Future,
  getRunningLoop,
  run,
  sleep,
  type Task,
  waitFor,
} from "../../mod.ts";
import { bytes } from "../fixtures/bytes.ts";
import { internals } from "../../loop/_transport_internals.ts";
import type { PipeProtocolLike } from "../../loop/pipes.ts";
import type { StreamProtocol } from "../../loop/protocols.ts";
import { createServerOn, type ServerSockets } from "../../loop/server.ts";
import { beginHandshake, transportOver } from "../../loop/socket_setup.ts";
import { StreamTransport } from "../../loop/socket_transport.ts";
import { listen } from "../../internal/socket_host.ts";
import type { HostStream } from "../../internal/stream_host.ts";
import type { HostUdpSocket, UdpAddress } from "../../internal/udp_host.ts";

const HOST = "127.0.0.1";

/**
 * Seconds before a wait that should end at once fails the test instead of
 * hanging.
 */
const HANG_GUARD = 30;

const storage = new AsyncLocalStorage<string>();

/**
 * Where a protocol callback ran: the name of the current task, the
 * `storage` value there, and the value a task it started saw.
 */
type Seen = [
  task: string | null,
  value: string | undefined,
  child: string | undefined,
];

/**
 * What a callback sees outside any task, in the context its transport was
 * made in (the main task's, with no value).
 */
const OUTSIDE: Seen = [null, undefined, undefined];

/** Takes note, on its first call, of where a protocol callback runs. */
class Probe {
  readonly #seen: Future<
    [string | null, string | undefined, Task<string | undefined>]
  >;

  constructor(loop: EventLoop) {
    this.#seen = loop.createFuture();
  }

  /** Called by the protocol callback under test. */
  readonly record = (): void => {
    if (this.#seen.done()) return;
    const child = createTask(async () => storage.getStore());
    this.#seen.setResult([
      currentTask()?.getName() ?? null,
      storage.getStore(),
      child,
    ]);
  };

  /** What the first call saw, once the task it started is done. */
  async seen(): Promise<Seen> {
    const [task, value, child] = await waitFor(this.#seen, HANG_GUARD);
    return [task, value, await child];
  }
}

/**
 * Wakes a task that runs with its own `storage` value and then calls
 * `schedule`, which queues the protocol call under test, so that the
 * loop's next batch runs that call right after the task's step; returns
 * what `probe` saw.
 */
async function seenAfterStep(
  probe: Probe,
  schedule: () => void,
): Promise<Seen> {
  const loop = getRunningLoop();
  const go = loop.createFuture<void>();
  const never = loop.createFuture<void>();
  const sleeper = createTask(
    () =>
      storage.run("the sleeper's", async () => {
        await go;
        await never;
      }),
    { name: "sleeper" },
  );
  await sleep(0);
  go.setResult();
  schedule();
  try {
    return await probe.seen();
  } finally {
    sleeper.cancel();
  }
}

/** A node:net server that leaves its clients open until it is closed; its port. */
function peer(): Promise<[port: number, close: () => void]> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve([port, () => {
        for (const socket of sockets) socket.destroy();
        server.close();
      }]);
    });
  });
}

/** A node:net socket connected to `port`. */
function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Runs `body` in `run()` with a fresh probe, and asserts that the protocol
 * callback it probed saw what code outside any task sees.
 */
async function assertOutside(
  body: (loop: EventLoop, probe: Probe) => Promise<Seen>,
): Promise<void> {
  const seen = await run(() => {
    const loop = getRunningLoop();
    return body(loop, new Probe(loop));
  });
  assert.deepEqual(seen, OUTSIDE);
}

/** `assertOutside` with a peer on `port` to connect to, closed afterwards. */
async function assertOutsideWithPeer(
  body: (loop: EventLoop, probe: Probe, port: number) => Promise<Seen>,
): Promise<void> {
  const [port, close] = await peer();
  try {
    await assertOutside((loop, probe) => body(loop, probe, port));
  } finally {
    close();
  }
}

/**
 * A host stream that writes nothing: the test says when its bytes are
 * flushed, which a socket decides on its own.
 */
class HeldStream implements HostStream {
  readonly ownsChunks = false;
  buffered = 0;
  flushed: ((failed: boolean) => void) | null = null;
  write(chunk: Uint8Array, flushed?: (failed: boolean) => void): boolean {
    this.buffered += chunk.length;
    if (flushed !== undefined) this.flushed = flushed;
    return true;
  }
  end(): void {}
  close(): void {}
  abort(): void {}
  pause(): void {}
  resume(): void {}
  writeBufferSize(): number {
    return this.buffered;
  }
  isClosed(): boolean {
    return false;
  }
  hold(): () => void {
    return () => {};
  }
}

/**
 * A UDP socket that sends nothing: the test says when each send is done,
 * which a socket decides on its own.
 */
class HeldUdp implements HostUdpSocket {
  readonly raw = null;
  readonly sends: ((error: Error | null) => void)[] = [];
  send(
    _data: Uint8Array,
    _to: UdpAddress | null,
    done: (error: Error | null) => void,
  ): void {
    this.sends.push(done);
  }
  localAddress(): UdpAddress {
    return [HOST, 9];
  }
  close(): void {}
}

/**
 * A readable stream whose events the test emits itself, so that they
 * reach the pipe transport while a task's step runs.
 */
class ReadablePipe extends EventEmitter {
  read(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  destroy(): this {
    return this;
  }
}

/** A writable stream whose writes finish when the test says so. */
class WritablePipe extends EventEmitter {
  writableEnded = false;
  readonly writes: ((error?: Error | null) => void)[] = [];
  write(_chunk: Uint8Array, done: (error?: Error | null) => void): boolean {
    this.writes.push(done);
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  destroy(): this {
    return this;
  }
}

describe("stream transports call their protocol outside the task whose step came first", () => {
  it("connectionMade (connectAcceptedSocket)", async () => {
    await assertOutsideWithPeer(async (loop, probe, port) => {
      const socket = await connected(port);
      // The first connection loads the module, so the second one makes
      // its transport before connectAcceptedSocket() first awaits.
      const [first] = await loop.createConnection(() => ({}), HOST, port);
      first.close();
      let accepting: Promise<unknown> | null = null;
      const seen = await seenAfterStep(probe, () => {
        accepting = loop.connectAcceptedSocket(
          () => ({ connectionMade: probe.record }),
          socket,
        );
      });
      const [transport] = await accepting! as [StreamTransport];
      transport.close();
      return seen;
    });
  });

  it("eofReceived", async () => {
    await assertOutsideWithPeer(async (loop, probe, port) => {
      const [transport] = await loop.createConnection(
        (): StreamProtocol => ({ eofReceived: probe.record }),
        HOST,
        port,
      );
      const seen = await seenAfterStep(probe, () => {
        internals.streamEvents(transport as StreamTransport).onEnd();
      });
      transport.close();
      return seen;
    });
  });

  it("connectionLost after close()", async () => {
    await assertOutsideWithPeer(async (loop, probe, port) => {
      const [transport] = await loop.createConnection(
        (): StreamProtocol => ({ connectionLost: probe.record }),
        HOST,
        port,
      );
      return await seenAfterStep(probe, () => transport.close());
    });
  });

  it("connectionLost after the host closed the stream with an error", async () => {
    await assertOutsideWithPeer(async (loop, probe, port) => {
      const [transport] = await loop.createConnection(
        (): StreamProtocol => ({ connectionLost: probe.record }),
        HOST,
        port,
      );
      return await seenAfterStep(probe, () => {
        internals.streamEvents(transport as StreamTransport).onClose(
          new Error("reset by the test"),
        );
      });
    });
  });

  it("dataReceived of bytes that waited while reading was paused", async () => {
    await assertOutsideWithPeer(async (loop, probe, port) => {
      const [transport] = await loop.createConnection(
        (): StreamProtocol => ({ dataReceived: probe.record }),
        HOST,
        port,
      );
      transport.pauseReading();
      internals.streamEvents(transport as StreamTransport).onData(bytes("x"));
      // The bytes reach the transport, which keeps them while paused.
      await sleep(0);
      const seen = await seenAfterStep(probe, () => transport.resumeReading());
      transport.close();
      return seen;
    });
  });

  it("resumeWriting once the host flushed the write buffer", async () => {
    await assertOutside(async (loop, probe) => {
      const host = new HeldStream();
      const transport = new StreamTransport(loop, {
        resumeWriting: probe.record,
      });
      transport.attach(host);
      transport.setWriteBufferLimits(4, 0);
      transport.write(bytes("12345678"));
      assert.notEqual(host.flushed, null);
      const seen = await seenAfterStep(probe, () => {
        host.buffered = 0;
        host.flushed!(false);
      });
      transport.abort();
      return seen;
    });
  });
});

describe("a server calls its protocol factory outside the task whose step came first", () => {
  it("for a client that connected before startServing()", async () => {
    await assertOutside(async (loop, probe) => {
      const arrived = loop.createFuture<void>();
      // The real listener, which also says when a client is queued.
      const sockets: ServerSockets = {
        listen: (target, callbacks) =>
          listen(target, {
            ...callbacks,
            connection: (socket) => {
              callbacks.connection(socket);
              if (!arrived.done()) arrived.setResult();
            },
          }),
        beginHandshake,
        transportOver,
      };
      const server = await createServerOn<[string, number]>(
        loop,
        {
          protocolFactory: () => {
            probe.record();
            return {};
          },
          ssl: null,
          handshakeTimeout: 60,
          shutdownTimeout: 30,
          holdWhileOpen: true,
          sockets,
        },
        [{ host: HOST, port: 0, backlog: 100 }],
        false,
      );
      const [, port] = server.sockets[0].getsockname();
      const [client] = await loop.createConnection(() => ({}), HOST, port);
      await waitFor(arrived, HANG_GUARD);
      const seen = await seenAfterStep(probe, () => {
        void server.startServing();
      });
      client.close();
      server.close();
      server.abortClients();
      await waitFor(server.waitClosed(), HANG_GUARD);
      return seen;
    });
  });
});

describe("pipe transports call their protocol outside the task whose step came first", () => {
  it("connectionMade (connectReadPipe)", async () => {
    await assertOutside(async (loop, probe) => {
      // The first pipe loads the module, so the second one schedules its
      // connectionMade before connectReadPipe() first awaits.
      const [first] = await loop.connectReadPipe(
        () => ({}),
        new ReadablePipe(),
      );
      first.close();
      let connecting: Promise<unknown> | null = null;
      const seen = await seenAfterStep(probe, () => {
        connecting = loop.connectReadPipe(
          () => ({ connectionMade: probe.record }),
          new ReadablePipe(),
        );
      });
      const [transport] = await connecting! as [{ close(): void }];
      transport.close();
      return seen;
    });
  });

  it("dataReceived (read pipe)", async () => {
    await assertOutside(async (loop, probe) => {
      const pipe = new ReadablePipe();
      const [transport] = await loop.connectReadPipe(
        (): PipeProtocolLike => ({ dataReceived: probe.record }),
        pipe,
      );
      const seen = await seenAfterStep(probe, () => {
        pipe.emit("data", bytes("x"));
      });
      transport.close();
      return seen;
    });
  });

  it("connectionLost after close() (read pipe)", async () => {
    await assertOutside(async (loop, probe) => {
      const [transport] = await loop.connectReadPipe(
        (): PipeProtocolLike => ({ connectionLost: probe.record }),
        new ReadablePipe(),
      );
      return await seenAfterStep(probe, () => transport.close());
    });
  });

  it("resumeWriting once a write finished (write pipe)", async () => {
    await assertOutside(async (loop, probe) => {
      const pipe = new WritablePipe();
      const [transport] = await loop.connectWritePipe(
        (): PipeProtocolLike => ({ resumeWriting: probe.record }),
        pipe,
      );
      transport.setWriteBufferLimits(4, 0);
      transport.write(bytes("12345678"));
      const seen = await seenAfterStep(probe, () => pipe.writes[0](null));
      transport.abort();
      return seen;
    });
  });

  it("connectionLost after close() (write pipe)", async () => {
    await assertOutside(async (loop, probe) => {
      const [transport] = await loop.connectWritePipe(
        (): PipeProtocolLike => ({ connectionLost: probe.record }),
        new WritablePipe(),
      );
      return await seenAfterStep(probe, () => transport.close());
    });
  });

  it("connectionLost after the pipe failed (write pipe)", async () => {
    await assertOutside(async (loop, probe) => {
      const pipe = new WritablePipe();
      await loop.connectWritePipe(
        (): PipeProtocolLike => ({ connectionLost: probe.record }),
        pipe,
      );
      return await seenAfterStep(probe, () => {
        pipe.emit("error", new Error("EPIPE by the test"));
      });
    });
  });
});

describe("datagram transports call their protocol outside the task whose step came first", () => {
  it("connectionMade", async () => {
    await assertOutside(async (loop, probe) => {
      const transport = internals.newDatagramTransport(
        loop,
        null,
        false,
        false,
      );
      const seen = await seenAfterStep(probe, () => {
        internals.startDatagram(transport, new HeldUdp(), {
          connectionMade: probe.record,
        });
      });
      transport.abort();
      return seen;
    });
  });

  it("errorReceived for a send that failed", async () => {
    await assertOutside(async (loop, probe) => {
      const host = new HeldUdp();
      const transport = internals.newDatagramTransport(
        loop,
        null,
        false,
        false,
      );
      internals.startDatagram(transport, host, { errorReceived: probe.record });
      transport.sendto(bytes("x"), [HOST, 9]);
      const seen = await seenAfterStep(probe, () => {
        host.sends[0](new Error("ECONNREFUSED by the test"));
      });
      transport.abort();
      return seen;
    });
  });

  it("errorReceived for an error the socket reported", async () => {
    await assertOutside(async (loop, probe) => {
      const [transport] = await loop.createDatagramEndpoint(
        () => ({ errorReceived: probe.record }),
        { localAddr: [HOST, 0] },
      );
      const seen = await seenAfterStep(probe, () => {
        internals.datagramEvents(transport).onError(
          new Error("ECONNREFUSED by the test"),
        );
      });
      transport.close();
      return seen;
    });
  });

  it("connectionLost after close()", async () => {
    await assertOutside(async (loop, probe) => {
      const [transport] = await loop.createDatagramEndpoint(
        () => ({ connectionLost: probe.record }),
        { localAddr: [HOST, 0] },
      );
      return await seenAfterStep(probe, () => transport.close());
    });
  });
});
