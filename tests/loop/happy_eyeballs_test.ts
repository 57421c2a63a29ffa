/**
 * Happy eyeballs in `loop.createConnection` and `openConnection`: the
 * host's addresses interleaved by family as asyncio's
 * `_interleave_addrinfos` (python3 answers the same questions), tried one
 * by one or raced with `staggeredRace`, the losers closed.
 *
 * A machine's resolver rarely gives one name several addresses, so most
 * tests give the loop a `getaddrinfo` with the answers they need, as
 * asyncio's own tests do. An attempt that never connects is made against
 * a listening socket whose accept queue is full: the system drops the
 * connection request, so the attempt waits until it is cancelled.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import net from "node:net";
import {
  type AddrInfo,
  AF_INET,
  AF_INET6,
  CancelledError,
  createTask,
  EventLoop,
  ExceptionGroup,
  type GetaddrinfoOptions,
  getRunningLoop,
  IPPROTO_TCP,
  Protocol,
  run,
  type Server,
  sleep,
  SOCK_STREAM,
  TimeoutError,
  waitFor,
} from "../../mod.ts";
import { openConnection } from "../../streams/mod.ts";
import type { Future } from "../../tasks/future.ts";
import { interleaveAddrinfos } from "../../loop/interleave.ts";

const HOST = "127.0.0.1";

function v4(port: number, host = HOST): AddrInfo {
  return [AF_INET, SOCK_STREAM, IPPROTO_TCP, "", [host, port]];
}

function v6(port: number, host = "::1"): AddrInfo {
  return [AF_INET6, SOCK_STREAM, IPPROTO_TCP, "", [host, port, 0, 0]];
}

/** A loop whose resolver gives `answers` for any name, and records asks. */
function loopAnswering(answers: AddrInfo[], asked: unknown[] = []) {
  return () =>
    new (class extends EventLoop {
      override getaddrinfo(
        host: string | null,
        port: number | string | null,
        options?: GetaddrinfoOptions,
      ): Future<AddrInfo[]> {
        asked.push([host, port, options]);
        const future = this.createFuture<AddrInfo[]>();
        future.setResult(answers.map((info) => structuredClone(info)));
        return future;
      }
    })();
}

/** A loop whose resolver answers each name from `table`. */
function loopResolving(table: Record<string, AddrInfo[]>) {
  return () =>
    new (class extends EventLoop {
      override getaddrinfo(host: string | null): Future<AddrInfo[]> {
        const future = this.createFuture<AddrInfo[]>();
        future.setResult(structuredClone(table[host!] ?? []));
        return future;
      }
    })();
}

/** What `fn` throws, or `null`. */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return null;
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, HOST);
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A node:net server on HOST that ends each connection at once. */
async function endingServer(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => socket.end()).listen(0, HOST);
  await new Promise((resolve) => server.once("listening", resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/**
 * A listening socket whose accept queue is full (backlog 0, one client
 * waiting), so that a new connection attempt neither succeeds nor fails.
 */
async function blackHole(): Promise<{ port: number; child: ChildProcess }> {
  const script = `
import socket, sys
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(0)
filler = socket.create_connection(server.getsockname())
print(server.getsockname()[1], flush=True)
sys.stdin.read()
`;
  const child = spawn("python3", ["-c", script], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.stdout!.once("data", (data) => resolve(Number(String(data))));
  });
  return { port, child };
}

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

class Client extends Protocol {
  readonly lost: Future<void>;
  constructor() {
    super();
    this.lost = getRunningLoop().createFuture<void>();
  }
  override connectionLost() {
    this.lost.setResult();
  }
}

describe("interleaveAddrinfos", () => {
  it("orders addresses as asyncio's _interleave_addrinfos", () => {
    const a = [v6(1, "::a"), v6(1, "::b"), v6(1, "::c")];
    const b = [v4(1, "10.0.0.1"), v4(1, "10.0.0.2")];
    const cases: [AddrInfo[], number][] = [
      [[...a, ...b], 1],
      [[...a, ...b], 2],
      [[...a, ...b], 3],
      [[...a, ...b], 9],
      [[b[0], a[0], b[1], a[1], a[2]], 1],
      [[...b], 1],
      [[], 1],
    ];
    const script = `
import json, sys
from asyncio.base_events import _interleave_addrinfos
out = [_interleave_addrinfos([tuple(i[:4]) + (tuple(i[4]),) for i in infos], n)
       for infos, n in json.load(sys.stdin)]
print(json.dumps(out))
`;
    const theirs = JSON.parse(
      String(execFileSync("python3", ["-c", script], {
        input: JSON.stringify(cases),
      })),
    );
    const ours = cases.map(([infos, n]) => interleaveAddrinfos(infos, n));
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours[0].map((info) => info[4][0]), [
      "::a",
      "10.0.0.1",
      "::b",
      "10.0.0.2",
      "::c",
    ]);
  });
});

describe("createConnection with several addresses", () => {
  it("a refused first address gives way to the next, raced or not", async () => {
    for (const happyEyeballsDelay of [undefined, 10]) {
      const asked: unknown[] = [];
      const answers: AddrInfo[] = [];
      const [peer, port] = await run(async () => {
        const loop = getRunningLoop();
        await using server = await loop.createServer(
          () => new Protocol(),
          HOST,
          0,
        );
        const port = portOf(server);
        answers.push(v4(await closedPort()), v6(port), v4(port));
        const [transport, client] = await loop.createConnection(
          () => new Client(),
          "example.test",
          port,
          { happyEyeballsDelay },
        );
        const peer = transport.getExtraInfo("peername");
        transport.close();
        await client.lost;
        return [peer, port];
      }, { loopFactory: loopAnswering(answers, asked) });
      assert.deepEqual(peer, [HOST, port]);
      assert.deepEqual(asked, [[
        "example.test",
        port,
        { family: 0, type: SOCK_STREAM, flags: 0 },
      ]]);
    }
  });

  it("a real name (localhost) connects with happy eyeballs on", async () => {
    const [peer, port] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Protocol(),
        HOST,
        0,
      );
      const [, writer] = await openConnection("localhost", portOf(server), {
        happyEyeballsDelay: 0.25,
        interleave: 1,
      });
      const peer = writer.getExtraInfo("peername");
      writer.close();
      await writer.waitClosed();
      return [peer, portOf(server)];
    });
    assert.deepEqual(peer, [HOST, port]);
  });

  it("the winner is used and the pending attempt is cancelled", async () => {
    const hole = await blackHole();
    try {
      const answers: AddrInfo[] = [];
      const [peer, port, open] = await run(async () => {
        const loop = getRunningLoop();
        await using server = await loop.createServer(
          () => new Protocol(),
          HOST,
          0,
        );
        answers.push(v4(hole.port), v4(portOf(server)));
        const [transport, client] = await loop.createConnection(
          () => new Client(),
          "example.test",
          1,
          { happyEyeballsDelay: 0.01 },
        );
        const peer = transport.getExtraInfo("peername");
        const open = !transport.isClosing();
        transport.close();
        await client.lost;
        return [peer, portOf(server), open];
      }, { loopFactory: loopAnswering(answers) });
      assert.deepEqual(peer, [HOST, port]);
      assert.equal(open, true);
    } finally {
      hole.child.kill();
    }
  });

  it("a loser that also connects is closed: both servers drain", async () => {
    for (let round = 0; round < 5; round++) {
      const answers: AddrInfo[] = [];
      await run(async () => {
        const loop = getRunningLoop();
        const first = await loop.createServer(() => new Protocol(), HOST, 0);
        const second = await loop.createServer(() => new Protocol(), HOST, 0);
        answers.push(v4(portOf(first)), v4(portOf(second)));
        const [transport, client] = await loop.createConnection(
          () => new Client(),
          "example.test",
          1,
          { happyEyeballsDelay: 0 },
        );
        transport.close();
        await client.lost;
        // waitClosed returns only once every accepted connection ended.
        first.close();
        second.close();
        await first.waitClosed();
        await second.waitClosed();
      }, { loopFactory: loopAnswering(answers) });
    }
  });

  it("cancelling the caller mid-race cancels every attempt", async () => {
    const holes = await Promise.all([blackHole(), blackHole(), blackHole()]);
    try {
      const answers = holes.map((hole) => v4(hole.port));
      const outcome = await run(async () => {
        const task = createTask(() =>
          getRunningLoop().createConnection(
            () => new Client(),
            "example.test",
            1,
            { happyEyeballsDelay: 0 },
          )
        );
        await sleep(0.05);
        task.cancel();
        try {
          await task;
          return "connected";
        } catch (error) {
          return error instanceof CancelledError ? "cancelled" : error;
        }
      }, { loopFactory: loopAnswering(answers) });
      assert.equal(outcome, "cancelled");
      const timedOut = await run(async () => {
        try {
          await waitFor(
            getRunningLoop().createConnection(
              () => new Client(),
              "example.test",
              1,
              { happyEyeballsDelay: 0.01 },
            ),
            0.1,
          );
          return false;
        } catch (error) {
          return error instanceof TimeoutError;
        }
      }, { loopFactory: loopAnswering(answers) });
      assert.equal(timedOut, true);
    } finally {
      for (const hole of holes) hole.child.kill();
    }
  });

  it("when every address fails, the error names each", async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    for (const happyEyeballsDelay of [undefined, 0.01]) {
      const error = await run(async () => {
        try {
          await getRunningLoop().createConnection(
            () => new Client(),
            "example.test",
            1,
            { happyEyeballsDelay },
          );
        } catch (error) {
          return error as Error;
        }
        return null;
      }, { loopFactory: loopAnswering([v4(a), v4(b)]) });
      assert.ok(error instanceof Error);
      assert.equal(
        error.message,
        `Multiple exceptions: Cannot connect to ${HOST}:${a}: connection ` +
          `refused (ECONNREFUSED), Cannot connect to ${HOST}:${b}: ` +
          `connection refused (ECONNREFUSED)`,
      );
    }
    const same = await run(async () => {
      try {
        await getRunningLoop().createConnection(
          () => new Client(),
          "example.test",
          1,
          { happyEyeballsDelay: 0.01 },
        );
      } catch (error) {
        return error as Error & { code?: string };
      }
      return null;
    }, { loopFactory: loopAnswering([v4(a), v4(a)]) });
    assert.equal(same?.code, "ECONNREFUSED");
    assert.match(same!.message, /^Cannot connect to 127\.0\.0\.1:\d+: /);
  });

  it("allErrors: every attempt's error in an ExceptionGroup, raced or not", async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    for (const happyEyeballsDelay of [undefined, 0.01]) {
      const error = await run(
        () =>
          thrown(() =>
            getRunningLoop().createConnection(
              () => new Client(),
              "example.test",
              1,
              { happyEyeballsDelay, allErrors: true },
            )
          ),
        { loopFactory: loopAnswering([v4(a), v4(b)]) },
      );
      assert.ok(error instanceof ExceptionGroup);
      assert.deepEqual(
        error.errors.map((e) => [(e as { code: string }).code, e.message]),
        [a, b].map((port) => [
          "ECONNREFUSED",
          `Cannot connect to ${HOST}:${port}: connection refused (ECONNREFUSED)`,
        ]),
      );
    }
  });

  it("localAddr: an address of another family is skipped, as asyncio's _connect_sock", async () => {
    const { server, port } = await endingServer();
    try {
      const [sockname, onlyV6] = await run(async () => {
        const loop = getRunningLoop();
        const [transport] = await loop.createConnection(
          () => new Client(),
          "both.test",
          port,
          { localAddr: ["local.test", 0] },
        );
        const sockname = transport.getExtraInfo("sockname") as [string, number];
        transport.close();
        const onlyV6 = await thrown(() =>
          loop.createConnection(() => new Client(), "v6.test", port, {
            localAddr: ["local.test", 0],
            allErrors: true,
          })
        );
        return [sockname, onlyV6];
      }, {
        loopFactory: loopResolving({
          "both.test": [v6(port), v4(port)],
          "v6.test": [v6(port)],
          "local.test": [v4(0)],
        }),
      });
      assert.equal(sockname[0], HOST);
      assert.ok(onlyV6 instanceof ExceptionGroup);
      assert.deepEqual(
        onlyV6.errors.map((e) => e.message),
        [`no matching local address with family=${AF_INET6} found`],
      );
    } finally {
      server.close();
    }
  });

  it("localAddr: a local address that cannot be bound gives way to the next", async () => {
    const { server, port } = await endingServer();
    try {
      const [sockname, error] = await run(async () => {
        const loop = getRunningLoop();
        const [transport] = await loop.createConnection(
          () => new Client(),
          "server.test",
          port,
          { localAddr: ["two.test", 0] },
        );
        const sockname = transport.getExtraInfo("sockname") as [string, number];
        transport.close();
        const error = await thrown(() =>
          loop.createConnection(() => new Client(), "server.test", port, {
            localAddr: ["foreign.test", 0],
          })
        );
        return [sockname, error];
      }, {
        loopFactory: loopResolving({
          "server.test": [v4(port)],
          // 192.0.2.1 (TEST-NET-1) is no address of this machine.
          "two.test": [v4(0, "192.0.2.1"), v4(0)],
          "foreign.test": [v4(0, "192.0.2.1")],
        }),
      });
      assert.equal(sockname[0], HOST);
      assert.ok(error instanceof Error);
      assert.match(
        error.message,
        /^error while attempting to bind on address \["192\.0\.2\.1",0\]: /,
      );
    } finally {
      server.close();
    }
  });

  it("options are checked", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const factory = () => new Protocol();
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, {
          happyEyeballsDelay: "1" as never,
        }),
        TypeError,
      );
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { allErrors: 1 as never }),
        TypeError,
      );
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { happyEyeballsDelay: NaN }),
        RangeError,
      );
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { interleave: -1 }),
        RangeError,
      );
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { interleave: 1.5 }),
        RangeError,
      );
      await assert.rejects(
        openConnection(HOST, 1, { happyEyeballs: 1 } as never),
        /has no option "happyEyeballs".*happyEyeballsDelay.*interleave/,
      );
    });
  });
});
