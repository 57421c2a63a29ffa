/**
 * Before/after in one process for the socket rows: S1 (stream echo) and P1
 * (protocol echo) on two or more checkouts of this repository, with
 * `node:net` used directly as the reference, rounds interleaved so that a
 * noisy machine slows every system alike. Prints, per system, the min and
 * median wall time, the median CPU time (user + system, from
 * `process.cpuUsage()`), and the ratio of each median to the reference's.
 *
 *   git worktree add /tmp/before <commit>
 *   deno run -A bench/ab_sockets.ts /tmp/before,. [--rounds 9] [--scale 1] [--only S1,P1]
 *   node_modules/.bin/bun bench/ab_sockets.ts /tmp/before,. ...
 *   node npm/bench/ab_sockets.js /tmp/before,. ...   (each checkout built: scripts/build_npm.mjs)
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Protocol, Transport } from "../mod.ts";
import { MESSAGE, nodeEcho } from "./workloads/node_sockets.ts";

// deno-lint-ignore no-explicit-any
type Library = any;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const rounds = Number(option("rounds", "9"));
const scale = Number(option("scale", "1"));
const only = option("only", "S1,P1").split(",");
const roots = (process.argv[2] ?? "").split(",").filter(Boolean);
if (roots.length < 1 || roots[0].startsWith("--")) {
  throw new TypeError("Usage: ab_sockets.ts BEFORE[,AFTER...] [--rounds 9]");
}
/** The npm build runs as JavaScript and loads each checkout's build. */
const built = import.meta.url.endsWith(".js");
const n = Math.round(10_000 / scale);
const HOST = "127.0.0.1";

/** S1 as bench/workloads/streams.ts runs it, on the library `m`. */
function streamsEcho(m: Library, s: Library): Promise<number> {
  return m.run(async () => {
    const server = await s.startServer(
      async (reader: Library, writer: Library) => {
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          writer.write(data);
          await writer.drain();
        }
        writer.close();
      },
      HOST,
      0,
    );
    const [, port] = server.sockets[0].getsockname();
    const [reader, writer] = await s.openConnection(HOST, port);
    let count = 0;
    for (let i = 0; i < n; i++) {
      writer.write(MESSAGE);
      await writer.drain();
      await reader.readexactly(64);
      count++;
    }
    writer.close();
    await writer.waitClosed();
    server.close();
    await server.waitClosed();
    return count;
  });
}

/** P1 as bench/workloads/streams.ts runs it, on the library `m`. */
function protocolEcho(m: Library): Promise<number> {
  const Base = m.Protocol as typeof Protocol;
  class Echo extends Base {
    transport: Transport | null = null;
    override connectionMade(transport: Transport) {
      this.transport = transport;
    }
    override dataReceived(data: Uint8Array) {
      this.transport!.write(data);
    }
  }
  class EchoClient extends Base {
    buffered = 0;
    waiter: Library = null;
    override dataReceived(data: Uint8Array) {
      this.buffered += data.length;
      if (this.buffered >= 64 && this.waiter) {
        this.waiter.setResult();
        this.waiter = null;
      }
    }
  }
  return m.run(async () => {
    const loop = m.getRunningLoop();
    const server = await loop.createServer(() => new Echo(), HOST, 0);
    const [, port] = server.sockets[0].getsockname();
    const [transport, client] = await loop.createConnection(
      () => new EchoClient(),
      HOST,
      port,
    );
    let count = 0;
    for (let i = 0; i < n; i++) {
      transport.write(MESSAGE);
      if (client.buffered < 64) {
        client.waiter = loop.createFuture();
        await client.waiter;
      }
      client.buffered -= 64;
      count++;
    }
    transport.close();
    server.close();
    await server.waitClosed();
    return count;
  });
}

interface Contender {
  name: string;
  run: () => Promise<number>;
}

const name = (root: string) => resolve(root).split("/").pop();
const checkouts: [string, Library, Library][] = [];
for (const root of roots) {
  const at = (file: string) =>
    pathToFileURL(resolve(root, built ? `npm/${file}.js` : `${file}.ts`)).href;
  checkouts.push([
    name(root)!,
    await import(at("mod")),
    await import(at("streams/mod")),
  ]);
}
const rows: Record<string, Contender[]> = {
  S1: checkouts.map(([label, m, s]) => ({
    name: label,
    run: () => streamsEcho(m, s),
  })),
  P1: checkouts.map(([label, m]) => ({
    name: label,
    run: () => protocolEcho(m),
  })),
};

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[values.length >> 1];

console.log(`# ${n} round trips, ${rounds} rounds after a warm-up, ms`);
for (const id of only) {
  const row = rows[id];
  if (row === undefined) throw new RangeError(`Unknown row ${id}`);
  const contenders = [...row, { name: "node:net", run: () => nodeEcho(n) }];
  const wall: number[][] = contenders.map(() => []);
  const cpu: number[][] = contenders.map(() => []);
  for (let round = 0; round <= rounds; round++) {
    // Alternate the order, so that no system always runs after another.
    const order = contenders.map((_, i) =>
      round % 2 ? i : contenders.length - 1 - i
    );
    for (const i of order) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const result = await contenders[i].run();
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpuStart);
      if (result !== n) {
        throw new Error(`${id} on ${contenders[i].name} returned ${result}`);
      }
      if (round === 0) continue;
      wall[i].push(ms);
      cpu[i].push((used.user + used.system) / 1000);
    }
  }
  const reference = median(wall[contenders.length - 1]);
  const referenceCpu = median(cpu[contenders.length - 1]);
  for (const [i, contender] of contenders.entries()) {
    const wallMedian = median(wall[i]);
    const cpuMedian = median(cpu[i]);
    console.log(
      `${id} ${contender.name.padEnd(14)} min ${
        Math.min(...wall[i]).toFixed(0)
      } median ${wallMedian.toFixed(0)} (${
        (wallMedian / reference).toFixed(2)
      }x) cpu ${cpuMedian.toFixed(0)} (${
        (cpuMedian / referenceCpu).toFixed(2)
      }x)`,
    );
  }
}
process.exit(0);
