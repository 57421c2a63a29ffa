/**
 * TCP transports send small writes at once, as asyncio's do (it turns
 * Nagle's algorithm off with `TCP_NODELAY` on every TCP socket): a message
 * written in two parts is not held back until the peer acknowledges the
 * first part. Python's asyncio is the peer, on 127.0.0.1, on both sides
 * and over TLS.
 *
 * With Nagle's algorithm on, the second part waits for the peer's
 * acknowledgement, which Linux delays by at least 40 ms: a typical (median)
 * exchange then takes that long in two parts, against a fraction of a
 * millisecond in one. Each case compares the two medians of one run, so a
 * slow machine slows both, and a pause of the machine during a few
 * exchanges moves neither. (Bun's sockets have Nagle's algorithm off by
 * themselves; on Deno and Node every case fails without the library's
 * `setNoDelay`.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  getRunningLoop,
  Protocol,
  run,
  type Server,
  type Transport,
} from "../../mod.ts";
import {
  createSslContext,
  openConnection,
  type StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import { startPython, stopPython } from "../fixtures/python_peer.ts";
import { testCerts } from "../streams/fixtures/certs.ts";

const HOST = "127.0.0.1";
const ROUNDS = 25;
const MESSAGE = new Uint8Array(20).fill(42);
/** What asks `Replier` for a reply in one write; any other byte, two. */
const ONE = 0x31;

/**
 * Fails if the median exchange in two parts, `twoParts` ms, lost what
 * Nagle's algorithm costs (a delayed acknowledgement, 40 ms or more)
 * against `onePart` ms in one: a difference, as that cost is added, not
 * multiplied, and a median, as a busy moment slows a few exchanges only.
 */
function assertSentAtOnce(onePart: number, twoParts: number): void {
  assert.ok(
    twoParts - onePart < 25,
    `the median exchange took ${twoParts.toFixed(1)} ms written in two ` +
      `parts against ${onePart.toFixed(1)} ms in one: the second part ` +
      "waited for the peer's acknowledgement (Nagle's algorithm is on)",
  );
}

/** Python's asyncio echo server for 20-byte messages, over TLS if given a certificate. */
const PY_SERVER = `
import asyncio, ssl, sys
async def handle(reader, writer):
    try:
        while True:
            writer.write(await reader.readexactly(20))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
async def main():
    context = None
    if len(sys.argv) > 1:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()
asyncio.run(main())
`;

/**
 * Python's asyncio client: asks for a reply in one part, then in two,
 * ROUNDS times each, and prints the median exchange of each in ms.
 */
const PY_CLIENT = `
import asyncio, json, statistics, sys, time
async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[1]))
    times = []
    for ask in (b"1", b"2"):
        each = []
        for _ in range(int(sys.argv[2])):
            start = time.perf_counter()
            writer.write(ask)
            await reader.readexactly(20)
            each.append((time.perf_counter() - start) * 1000)
        times.append(statistics.median(each))
    writer.close()
    await writer.wait_closed()
    print(json.dumps(times), flush=True)
    sys.stdin.read()
asyncio.run(main())
`;

/** The median ms of ROUNDS echoed messages, each written in `parts` writes. */
async function exchange(
  reader: StreamReader,
  writer: StreamWriter,
  parts: 1 | 2,
): Promise<number> {
  const each: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    if (parts === 1) writer.write(MESSAGE);
    else {
      writer.write(MESSAGE.subarray(0, 10));
      writer.write(MESSAGE.subarray(10));
    }
    await writer.drain();
    assert.deepEqual(await reader.readexactly(MESSAGE.length), MESSAGE);
    each.push(performance.now() - start);
  }
  each.sort((a, b) => a - b);
  return each[Math.floor(ROUNDS / 2)];
}

/** Our client against Python's server: median ms [one part, two parts]. */
async function clientTimes(tls: boolean): Promise<[number, number]> {
  const certs = testCerts();
  const [server, port] = await startPython(
    PY_SERVER,
    ...(tls ? [certs.serverCertFile, certs.serverKeyFile] : []),
  );
  try {
    const [reader, writer] = await openConnection(
      HOST,
      Number(port),
      tls
        ? {
          ssl: createSslContext({ ca: certs.ca }),
          serverHostname: "localhost",
        }
        : {},
    );
    const times: [number, number] = [
      await exchange(reader, writer, 1),
      await exchange(reader, writer, 2),
    ];
    writer.close();
    await writer.waitClosed();
    return times;
  } finally {
    await stopPython(server);
  }
}

/** Answers each byte `ONE` with a message in one write, any other in two. */
class Replier extends Protocol {
  #transport: Transport | null = null;

  override connectionMade(transport: Transport) {
    this.#transport = transport;
  }

  override dataReceived(data: Uint8Array) {
    for (const ask of data) {
      if (ask === ONE) this.#transport!.write(MESSAGE);
      else {
        this.#transport!.write(MESSAGE.subarray(0, 10));
        this.#transport!.write(MESSAGE.subarray(10));
      }
    }
  }
}

/** Python's client against our server on `port`: median ms, likewise. */
async function serverTimes(port: number): Promise<[number, number]> {
  const [client, line] = await startPython(
    PY_CLIENT,
    String(port),
    String(ROUNDS),
  );
  await stopPython(client);
  return JSON.parse(line);
}

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

describe("TCP_NODELAY: small writes are sent at once, as asyncio sends them", () => {
  it("our client, against Python's asyncio server", async () => {
    const [onePart, twoParts] = await run(() => clientTimes(false));
    assertSentAtOnce(onePart, twoParts);
  });

  it("our TLS client, against Python's asyncio TLS server", async () => {
    const [onePart, twoParts] = await run(() => clientTimes(true));
    assertSentAtOnce(onePart, twoParts);
  });

  it("our server's accepted sockets, against Python's asyncio client", async () => {
    const [onePart, twoParts] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Replier(),
        HOST,
        0,
      );
      return await serverTimes(portOf(server));
    });
    assertSentAtOnce(onePart, twoParts);
  });

  it("a socket accepted by node:net and given to connectAcceptedSocket", async () => {
    const [onePart, twoParts] = await run(async () => {
      const loop = getRunningLoop();
      const accepted = loop.createFuture<net.Socket>();
      const host = net.createServer((socket) => accepted.setResult(socket));
      await new Promise<void>((resolve) => host.listen(0, HOST, resolve));
      try {
        const { port } = host.address() as net.AddressInfo;
        const times = loop.createTask(() => serverTimes(port));
        const [transport] = await loop.connectAcceptedSocket(
          () => new Replier(),
          await accepted,
        );
        const result = await times;
        transport.close();
        return result;
      } finally {
        host.close();
      }
    });
    assertSentAtOnce(onePart, twoParts);
  });
});
