/**
 * UDP endpoints, tested against python3's asyncio as the peer (their echo
 * server with our client, our server with their client, byte for byte)
 * and against themselves for ordering, flow control, closing,
 * cancellation at every await and bad input. Everything stays on
 * 127.0.0.1 (and ::1).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  CancelledError,
  createTask,
  currentTask,
  type EventLoop,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  waitFor,
} from "../../mod.ts";
import { startPython, stopPython } from "../fixtures/python_peer.ts";
import { collectReports } from "../fixtures/reports.ts";
import {
  createDatagramEndpoint,
  DatagramProtocol,
  type DatagramProtocolLike,
  type DatagramTransport,
} from "../../loop/datagram.ts";
import { internals } from "../../loop/_transport_internals.ts";
import { BaseProtocol } from "../../loop/protocols.ts";
import { BaseTransport } from "../../loop/transports.ts";
import type { SockAddr } from "../../loop/net_checks.ts";
import { AF_INET } from "../../loop/socket_constants.ts";
import { REUSE_PORT_SUPPORTED } from "../../internal/udp_host.ts";
import { closeLoopResources } from "../../internal/loop_resources.ts";
import { HeldLookups } from "./fixtures/held_lookups.ts";
import { captureConsole } from "../fixtures/console.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const hex = (data: Uint8Array) =>
  Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Payloads with every byte value and a large one. (No empty datagram:
 * python3 before 3.12 does not send one; our own endpoints are tested
 * with it.)
 */
const PAYLOADS: Uint8Array[] = [
  bytes("hello"),
  Uint8Array.from({ length: 256 }, (_, i) => i),
  Uint8Array.from({ length: 8000 }, (_, i) => (i * 7) & 0xff),
  bytes("bye\n"),
];

const PYTHON_ECHO_SERVER = `
import asyncio, sys
class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)
async def main():
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    print(transport.get_extra_info("sockname")[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    transport.close()
asyncio.run(main())
`;

const PYTHON_CLIENT = `
import asyncio, json, sys
class Client(asyncio.DatagramProtocol):
    def __init__(self):
        self.replies = asyncio.Queue()
    def datagram_received(self, data, addr):
        self.replies.put_nowait((data, addr))
async def main():
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(
        Client, remote_addr=("127.0.0.1", int(sys.argv[1])))
    print("ready", flush=True)
    replies = []
    for payload in json.loads(sys.argv[2]):
        transport.sendto(bytes.fromhex(payload))
        data, addr = await asyncio.wait_for(client.replies.get(), 30)
        replies.append([data.hex(), list(addr)])
    print(json.dumps({"sockname": list(transport.get_extra_info("sockname")),
                      "replies": replies}), flush=True)
    transport.close()
    sys.stdin.read()
asyncio.run(main())
`;

const PYTHON_PEERS = `
import asyncio, sys
class Named(asyncio.DatagramProtocol):
    def __init__(self, name):
        self.name = name
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        self.transport.sendto(self.name + b":" + data, addr)
async def main():
    loop = asyncio.get_running_loop()
    ports = []
    for name in (b"a", b"b", b"c"):
        transport, _ = await loop.create_datagram_endpoint(
            lambda: Named(name), local_addr=("127.0.0.1", 0))
        ports.append(str(transport.get_extra_info("sockname")[1]))
    print(" ".join(ports), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
asyncio.run(main())
`;

/** A protocol that logs its calls and queues what it receives. */
class Recorder extends DatagramProtocol {
  readonly log: string[] = [];
  readonly received: [Uint8Array, SockAddr][] = [];
  readonly errors: Error[] = [];
  transport: DatagramTransport | null = null;
  readonly #loop: EventLoop;
  #waiter: ((value: null) => void) | null = null;
  readonly lost;

  constructor() {
    super();
    this.#loop = getRunningLoop();
    this.lost = this.#loop.createFuture<null>();
  }

  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
    this.log.push("made");
  }

  override datagramReceived(data: Uint8Array, addr: SockAddr): void {
    this.log.push(`datagram ${data.length}`);
    this.received.push([data, addr]);
    this.#waiter?.(null);
  }

  override errorReceived(exc: Error): void {
    this.log.push(`error ${(exc as Error & { code?: string }).code}`);
    this.errors.push(exc);
    this.#waiter?.(null);
  }

  override connectionLost(exc: Error | null): void {
    this.log.push(`lost ${exc}`);
    this.lost.setResult(null);
  }

  override pauseWriting(): void {
    this.log.push("pause");
  }

  override resumeWriting(): void {
    this.log.push("resume");
  }

  /** Waits until `count` datagrams (and errors) arrived in all. */
  async until(count: number): Promise<void> {
    while (this.received.length + this.errors.length < count) {
      const future = this.#loop.createFuture<null>();
      this.#waiter = (value) => {
        if (!future.done()) future.setResult(value);
      };
      await future;
    }
  }
}

async function endpoint(
  options: Parameters<typeof createDatagramEndpoint>[2],
): Promise<[DatagramTransport, Recorder]> {
  return await createDatagramEndpoint(
    getRunningLoop(),
    () => new Recorder(),
    options,
  );
}

/** The port an endpoint bound to. */
function portOf(transport: DatagramTransport): number {
  return (transport.getExtraInfo("sockname") as SockAddr)[1];
}

async function closeAll(...protocols: Recorder[]): Promise<void> {
  for (const protocol of protocols) protocol.transport!.close();
  for (const protocol of protocols) await protocol.lost;
}

describe("createDatagramEndpoint against python3's asyncio", () => {
  it("our client and their echo server: every datagram comes back byte for byte", async () => {
    await run(async () => {
      const [server, port] = await startPython(PYTHON_ECHO_SERVER);
      const [transport, client] = await endpoint({
        remoteAddr: ["127.0.0.1", Number(port)],
      });
      assert.deepEqual(transport.getExtraInfo("peername"), [
        "127.0.0.1",
        Number(port),
      ]);
      for (const [i, payload] of PAYLOADS.entries()) {
        transport.sendto(payload);
        await client.until(i + 1);
      }
      assert.deepEqual(
        client.received.map(([data]) => hex(data)),
        PAYLOADS.map(hex),
      );
      for (const [, addr] of client.received) {
        assert.deepEqual(addr, ["127.0.0.1", Number(port)]);
      }
      await closeAll(client);
      await stopPython(server);
    });
  });

  it("their client and our echo server: byte for byte, and each side sees the other's address", async () => {
    await run(async () => {
      const [transport, server] = await createDatagramEndpoint(
        getRunningLoop(),
        () =>
          new (class extends Recorder {
            override datagramReceived(data: Uint8Array, addr: SockAddr) {
              super.datagramReceived(data, addr);
              this.transport!.sendto(data, addr);
            }
          })(),
        { localAddr: ["127.0.0.1", 0] },
      );
      const [, port] = transport.getExtraInfo("sockname") as SockAddr;
      const [client] = await startPython(
        PYTHON_CLIENT,
        String(port),
        JSON.stringify(PAYLOADS.map(hex)),
      );
      const report = JSON.parse(
        new TextDecoder().decode(await client.stdout!.readline()),
      );
      await stopPython(client);
      assert.deepEqual(
        report.replies.map(([data]: [string]) => data),
        PAYLOADS.map(hex),
      );
      for (const [, addr] of report.replies) {
        assert.deepEqual(addr, ["127.0.0.1", port]);
      }
      assert.deepEqual(
        server.received.map(([data]) => hex(data)),
        PAYLOADS.map(hex),
      );
      for (const [, addr] of server.received) {
        assert.deepEqual(addr, report.sockname);
      }
      await closeAll(server);
    });
  });

  it("sendto reaches many peers from one endpoint, and each reply names its sender", async () => {
    await run(async () => {
      const [peers, line] = await startPython(PYTHON_PEERS);
      const ports = line.split(" ").map(Number);
      const [transport, protocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      for (const [i, port] of ports.entries()) {
        transport.sendto(bytes(`to ${i}`), ["127.0.0.1", port]);
      }
      await protocol.until(3);
      const replies = protocol.received
        .map(([data, addr]) =>
          `${new TextDecoder().decode(data)} from ${addr[1]}`
        )
        .sort();
      assert.deepEqual(replies, [
        `a:to 0 from ${ports[0]}`,
        `b:to 1 from ${ports[1]}`,
        `c:to 2 from ${ports[2]}`,
      ]);
      await closeAll(protocol);
      await stopPython(peers);
    });
  });
});

describe("DatagramTransport", () => {
  it("a connectionMade that throws is reported as a stream transport's is, and the endpoint stays open", async () => {
    const [reported, echoed] = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      const received = loop.createFuture<string>();
      class Careless extends DatagramProtocol {
        override connectionMade() {
          throw new Error("made badly");
        }
        override datagramReceived(data: Uint8Array) {
          received.setResult(new TextDecoder().decode(data));
        }
      }
      const [transport] = await createDatagramEndpoint(
        loop,
        () => new Careless(),
        { localAddr: ["127.0.0.1", 0] },
      );
      transport.sendto(
        bytes("still here"),
        transport.getExtraInfo("sockname") as SockAddr,
      );
      const echoed = await received;
      transport.close();
      return [reported, echoed];
    });
    assert.deepEqual(reported, [
      "Exception in callback Careless.connectionMade(): made badly",
    ]);
    assert.equal(echoed, "still here");
  });

  it("reports a datagramReceived that throws under the protocol's name, and receives on", async () => {
    // asyncio reports it as the error of the transport's read callback.
    const [reported, received] = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      const received: string[] = [];
      const second = loop.createFuture<void>();
      class Picky extends DatagramProtocol {
        override datagramReceived(data: Uint8Array) {
          received.push(new TextDecoder().decode(data));
          if (received.length === 1) throw new Error("first one");
          second.setResult();
        }
      }
      const [transport] = await createDatagramEndpoint(
        loop,
        () => new Picky(),
        { localAddr: ["127.0.0.1", 0] },
      );
      const self = transport.getExtraInfo("sockname") as SockAddr;
      transport.sendto(bytes("one"), self);
      transport.sendto(bytes("two"), self);
      await second;
      transport.close();
      return [reported, received];
    });
    assert.deepEqual(reported, [
      "Exception in callback Picky.datagramReceived(): first one",
    ]);
    assert.deepEqual(received, ["one", "two"]);
  });

  it("warns at each send dropped after close() from the fifth on, as asyncio's _conn_lost", async () => {
    // CPython 3.13, a connected endpoint closed, then 7 sends: 3 warnings.
    const warnings = await captureConsole("warn", () =>
      run(async () => {
        const loop = getRunningLoop();
        const [peer] = await createDatagramEndpoint(
          loop,
          () => new DatagramProtocol(),
          { localAddr: ["127.0.0.1", 0] },
        );
        const [transport] = await createDatagramEndpoint(
          loop,
          () => new DatagramProtocol(),
          { remoteAddr: peer.getExtraInfo("sockname") as [string, number] },
        );
        transport.close();
        for (let i = 0; i < 7; i++) transport.sendto(bytes("lost"));
        peer.close();
      }));
    assert.deepEqual(
      warnings,
      Array(3).fill("socket.send() raised exception."),
    );
  });

  it("is a BaseTransport, and DatagramProtocol a BaseProtocol, as in asyncio", async () => {
    const [transport, protocol] = await run(async () => {
      const [transport, protocol] = await getRunningLoop()
        .createDatagramEndpoint(() => new DatagramProtocol(), {
          localAddr: ["127.0.0.1", 0],
        });
      transport.close();
      return [transport, protocol];
    });
    assert.ok(transport instanceof BaseTransport);
    assert.ok(protocol instanceof BaseProtocol);
    // connectionMade and connectionLost come from BaseProtocol.
    assert.equal(
      Object.hasOwn(DatagramProtocol.prototype, "connectionMade"),
      false,
    );
    assert.equal(
      DatagramProtocol.prototype.connectionLost,
      BaseProtocol.prototype.connectionLost,
    );
  });

  it("calls the protocol through the loop: made first, lost last, never inside a call", async () => {
    const log = await run(async () => {
      const [server, serverProtocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      const [client, protocol] = await endpoint({
        remoteAddr: server.getExtraInfo("sockname") as [string, number],
      });
      assert.deepEqual(protocol.log, ["made"]);
      client.sendto(bytes("one"));
      client.sendto(new Uint8Array(0)); // an empty datagram, as CPython 3.12+
      client.sendto(bytes("two"));
      await serverProtocol.until(3);
      assert.deepEqual(
        serverProtocol.received.map(([d]) => new TextDecoder().decode(d)),
        ["one", "", "two"],
      );
      client.close();
      protocol.log.push("close returned");
      assert.equal(client.isClosing(), true);
      client.sendto(bytes("dropped after close"));
      await protocol.lost;
      await closeAll(serverProtocol);
      return protocol.log;
    });
    assert.deepEqual(log, ["made", "close returned", "lost null"]);
  });

  it("reports a failed send to errorReceived and stays open", async () => {
    await run(async () => {
      const [, target] = await endpoint({ localAddr: ["127.0.0.1", 0] });
      const [transport, protocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      const to = target.transport!.getExtraInfo("sockname") as SockAddr;
      transport.sendto(new Uint8Array(70000), to); // over UDP's 65507 bytes
      await protocol.until(1);
      assert.equal(
        (protocol.errors[0] as Error & { code: string }).code,
        "EMSGSIZE",
      );
      assert.match(protocol.errors[0].message, /datagram too large/);
      assert.equal(transport.isClosing(), false);
      transport.sendto(bytes("still open"), to);
      await target.until(1);
      await closeAll(protocol, target);
    });
  });

  it("pauses writing over the high-water mark and resumes through the loop", async () => {
    await run(async () => {
      const [, target] = await endpoint({ localAddr: ["127.0.0.1", 0] });
      const [transport, protocol] = await endpoint({
        remoteAddr: target.transport!.getExtraInfo("sockname") as [
          string,
          number,
        ],
      });
      transport.setWriteBufferLimits(100);
      assert.deepEqual(transport.getWriteBufferLimits(), [25, 100]);
      transport.sendto(new Uint8Array(50));
      assert.equal(transport.getWriteBufferSize(), 58);
      assert.deepEqual(protocol.log, ["made"]);
      transport.sendto(new Uint8Array(50));
      assert.deepEqual(protocol.log, ["made", "pause"]);
      await target.until(2);
      while (transport.getWriteBufferSize() > 0) await sleep(0.001);
      assert.deepEqual(protocol.log, ["made", "pause", "resume"]);
      assert.throws(() => transport.setWriteBufferLimits(10, 20), RangeError);
      await closeAll(protocol, target);
    });
  });

  it("close() waits for buffered datagrams; abort() drops them", async () => {
    await run(async () => {
      const [, target] = await endpoint({ localAddr: ["127.0.0.1", 0] });
      const to = target.transport!.getExtraInfo("sockname") as SockAddr;
      const [closing, closingProtocol] = await endpoint({
        remoteAddr: to as [string, number],
      });
      for (let i = 0; i < 20; i++) closing.sendto(bytes(`c${i}`));
      closing.close();
      await closingProtocol.lost;
      await target.until(20);
      const [aborting, abortingProtocol] = await endpoint({
        remoteAddr: to as [string, number],
      });
      aborting.sendto(bytes("x"));
      aborting.abort();
      assert.equal(aborting.getWriteBufferSize(), 0);
      await abortingProtocol.lost;
      assert.deepEqual(abortingProtocol.log, ["made", "lost null"]);
      await closeAll(target);
    });
  });

  it("drops and counts what arrives while 256 KiB wait for a slow protocol", async () => {
    await run(async () => {
      const [transport, protocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      const from: [string, number] = ["127.0.0.1", 9];
      for (let i = 0; i < 300; i++) {
        internals.datagramEvents(transport).onMessage(
          new Uint8Array(1024),
          from,
        );
      }
      assert.equal(transport.getExtraInfo("droppedDatagrams"), 44);
      await protocol.until(256);
      await sleep(0);
      assert.equal(protocol.received.length, 256);
      await closeAll(protocol);
    });
  });

  it("a datagram after a task's step in the same batch reaches the protocol outside that task", async () => {
    const seen = await run(async () => {
      const loop = getRunningLoop();
      const seen: unknown[] = [];
      const [transport, protocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      protocol.datagramReceived = () => void seen.push(currentTask());
      const go = loop.createFuture<void>();
      const never = loop.createFuture<void>();
      const sleeper = createTask(async () => {
        await go;
        await never;
      });
      await sleep(0);
      // One batch: the sleeper's step, then the datagram's callback.
      go.setResult();
      internals.datagramEvents(transport).onMessage(bytes("x"), [
        "127.0.0.1",
        9,
      ]);
      await sleep(0);
      await sleep(0);
      sleeper.cancel();
      await closeAll(protocol);
      return seen;
    });
    assert.deepEqual(seen, [null]);
  });

  it("works over IPv6 with Python's four-part addresses", async () => {
    await run(async () => {
      const [server, serverProtocol] = await endpoint({
        localAddr: ["::1", 0],
      });
      const sockname = server.getExtraInfo("sockname") as SockAddr;
      assert.equal(sockname.length, 4);
      assert.equal(sockname[0], "::1");
      const [client, protocol] = await endpoint({
        remoteAddr: [sockname[0], sockname[1]],
      });
      client.sendto(bytes("six"));
      await serverProtocol.until(1);
      const [host, port, flowinfo, scopeId] = serverProtocol.received[0][1];
      assert.deepEqual([host, flowinfo, scopeId], ["::1", 0, 0]);
      // Deno's connected socket says it is bound to "::": compare ports.
      assert.equal(port, (client.getExtraInfo("sockname") as SockAddr)[1]);
      await closeAll(protocol, serverProtocol);
    });
  });

  it("sendto() sends a copy: the caller may reuse its buffer, a Node Buffer too", async () => {
    const count = 16;
    const values = await run(async () => {
      const [server, serverProtocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      const [client, protocol] = await endpoint({
        remoteAddr: ["127.0.0.1", portOf(server)],
      });
      // One array, refilled for each datagram, as a sender reusing its
      // buffer does; a Node Buffer's slice() would only have viewed it.
      const data = Buffer.alloc(512);
      for (let i = 0; i < count; i++) {
        data.fill(i);
        client.sendto(data);
      }
      data.fill(255);
      await waitFor(serverProtocol.until(count), 5);
      await closeAll(protocol, serverProtocol);
      return serverProtocol.received.map(([datagram]) => {
        assert.ok(datagram.every((byte) => byte === datagram[0]));
        return datagram[0];
      });
    });
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      Array.from({ length: count }, (_, i) => i),
    );
  });

  it("checks sendto's arguments", async () => {
    await run(async () => {
      const [server, serverProtocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      const [client, protocol] = await endpoint({
        remoteAddr: server.getExtraInfo("sockname") as [string, number],
      });
      assert.throws(() => client.sendto("text" as never), TypeError);
      assert.throws(
        () => client.sendto(bytes("x"), ["127.0.0.1", 1]),
        /Invalid address/,
      );
      client.sendto(bytes("x"), server.getExtraInfo("sockname") as SockAddr);
      assert.throws(() => server.sendto(bytes("x")), /needs an address/);
      assert.throws(
        () => server.sendto(bytes("x"), ["127.0.0.1"] as never),
        TypeError,
      );
      await closeAll(protocol, serverProtocol);
    });
  });
});

describe("createDatagramEndpoint: cancellation at every await", () => {
  async function freePort(): Promise<number> {
    const [transport, protocol] = await endpoint({
      localAddr: ["127.0.0.1", 0],
    });
    const port = (transport.getExtraInfo("sockname") as SockAddr)[1];
    await closeAll(protocol);
    return port;
  }

  /**
   * Binds `port` again, which works only once the socket that had it is
   * closed. Deno frees a closed socket's port a moment later, so a busy
   * port is retried for up to two seconds: a socket left open never frees
   * it.
   */
  async function bindAgain(port: number): Promise<void> {
    for (let attempt = 0;; attempt++) {
      try {
        const [, again] = await endpoint({ localAddr: ["127.0.0.1", port] });
        await closeAll(again);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== "EADDRINUSE" || attempt === 200) throw error;
        await sleep(0.01);
      }
    }
  }

  it("while resolving a name: nothing is opened", async () => {
    await run(async () => {
      // The UDP adapter and the resolver load on first use: loaded now, the
      // endpoint's lookup starts before its task's first await.
      await freePort();
      await getRunningLoop().getaddrinfo("localhost", 0);
      using lookups = new HeldLookups("held.test");
      let made = 0;
      const task = createTask(
        () =>
          createDatagramEndpoint(getRunningLoop(), () => {
            made++;
            return {};
          }, { localAddr: ["held.test", 0] }),
        { eagerStart: true },
      );
      assert.equal(lookups.waiting, 1);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      lookups.answer(); // the name resolves after all
      // An endpoint opened the same way afterwards: had the cancelled one
      // gone on, its protocol would have been made before this one's.
      const witness = createTask(
        () =>
          createDatagramEndpoint(getRunningLoop(), () => new Recorder(), {
            localAddr: ["held.test", 0],
          }),
        { eagerStart: true },
      );
      lookups.answer();
      const [, protocol] = await witness;
      assert.equal(made, 0);
      await closeAll(protocol);
    });
  });

  it("while the socket opens: it is closed, its port free again", async () => {
    await run(async () => {
      const port = await freePort();
      let made = 0;
      const task = createTask(
        () =>
          createDatagramEndpoint(getRunningLoop(), () => {
            made++;
            return {};
          }, { localAddr: ["127.0.0.1", port] }),
        { eagerStart: true },
      );
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      await bindAgain(port);
      assert.equal(made, 0);
    });
  });

  it("an endpoint left open is closed with its loop", async () => {
    const loop = newEventLoop();
    const port = await loop.runUntilComplete(async () => {
      const [transport] = await endpoint({ localAddr: ["127.0.0.1", 0] });
      return (transport.getExtraInfo("sockname") as SockAddr)[1];
    });
    loop.close();
    closeLoopResources(loop); // what the loop's close() does
    await run(() => bindAgain(port));
  });

  it("while connectionMade is pending: the endpoint is closed after it", async () => {
    await run(async () => {
      const log: string[] = [];
      let port = 0;
      const protocol: DatagramProtocolLike = {
        connectionMade: (transport) => {
          port = (transport.getExtraInfo("sockname") as SockAddr)[1];
          log.push("made");
        },
        connectionLost: () => log.push("lost"),
      };
      const task = createTask(() =>
        createDatagramEndpoint(getRunningLoop(), () => {
          task.cancel();
          return protocol;
        }, { localAddr: ["127.0.0.1", 0] })
      );
      await assert.rejects(async () => await task, CancelledError);
      await sleep(0);
      assert.deepEqual(log, ["made", "lost"]);
      await bindAgain(port);
    });
  });
});

describe("createDatagramEndpoint: bad input and unsupported options fail at the call", () => {
  it("refuses what it cannot honour", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const open = (options: unknown) =>
        createDatagramEndpoint(loop, () => ({}), options as never);
      await assert.rejects(
        open({ localAdr: ["127.0.0.1", 0] }),
        /no option "localAdr"/,
      );
      await assert.rejects(
        open({ reuseAddress: true }),
        /no option "reuseAddress"/,
      );
      await assert.rejects(open({ localAddr: "127.0.0.1:0" }), TypeError);
      await assert.rejects(
        open({ localAddr: ["127.0.0.1", 70000] }),
        RangeError,
      );
      await assert.rejects(open({}), /unexpected address family/);
      await assert.rejects(
        createDatagramEndpoint(loop, "no" as never, { family: AF_INET }),
        TypeError,
      );
      await assert.rejects(
        open({ localAddr: ["127.0.0.1", 0], remoteAddr: ["::1", 9] }),
        /no address family in common/,
      );
      // The runtimes throw this one from a host callback, out of reach.
      await assert.rejects(
        open({ remoteAddr: ["127.0.0.1", 0] }),
        { name: "RangeError", message: /remoteAddr's port must not be 0/ },
      );
    });
  });

  it("reusePort works where the runtime has it and is a RangeError elsewhere", async () => {
    await run(async () => {
      if (!REUSE_PORT_SUPPORTED) {
        await assert.rejects(
          endpoint({ localAddr: ["127.0.0.1", 0], reusePort: true }),
          { name: "RangeError", message: /reusePort is not supported/ },
        );
        return;
      }
      const [first, a] = await endpoint({
        localAddr: ["127.0.0.1", 0],
        reusePort: true,
      });
      const port = (first.getExtraInfo("sockname") as SockAddr)[1];
      const [, b] = await endpoint({
        localAddr: ["127.0.0.1", port],
        reusePort: true,
      });
      await closeAll(a, b);
    });
  });

  it("a port in use is an error that says so, with the system's code", async () => {
    await run(async () => {
      const [first, protocol] = await endpoint({
        localAddr: ["127.0.0.1", 0],
      });
      const port = (first.getExtraInfo("sockname") as SockAddr)[1];
      await assert.rejects(endpoint({ localAddr: ["127.0.0.1", port] }), {
        code: "EADDRINUSE",
        message: new RegExp(
          `Cannot bind to 127.0.0.1:${port}: address already in use`,
        ),
      });
      await closeAll(protocol);
    });
  });
});
