/**
 * Before/after in one process for the byte rows S1, S2, T1 and T2: the
 * library's streams of two or more checkouts and the runtime's own sockets
 * (`node:net`, `node:tls`), rounds interleaved, so that a noisy machine
 * slows every system alike. Prints the median wall time and the median CPU
 * time (`process.cpuUsage()`, user + system) of each, and each checkout's
 * ratio of medians to the runtime's own sockets.
 *
 *   git worktree add /tmp/before <commit>
 *   deno run -A bench/ab_streams.ts /tmp/before,. [--scale 2] [--rounds 9] [--only S2,T1] [--trace]
 *   node_modules/.bin/bun bench/ab_streams.ts /tmp/before,. ...
 *   node npm/bench/ab_streams.js /tmp/before,. ...   (each checkout built: scripts/build_npm.mjs)
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  certs,
  CHUNK,
  MESSAGE,
  nodeBulk,
  nodeEcho,
} from "./workloads/node_sockets.ts";

// deno-lint-ignore no-explicit-any
type Library = any;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const scale = Number(option("scale", "1"));
const rounds = Number(option("rounds", "9"));
const only = option("only", "S2,T1,T2").split(",");
/** Names each run on stderr as it starts: a run that stalls shows where. */
const trace = process.argv.includes("--trace");
const roots = (process.argv[2] ?? "").split(",").filter(Boolean);
if (roots.length < 1 || roots[0].startsWith("--")) {
  throw new TypeError("Usage: ab_streams.ts BEFORE,AFTER[,...] [--scale 2]");
}
const compiled = import.meta.url.endsWith(".js");

const HOST = "127.0.0.1";
const echoes = Math.round(10_000 / scale);
const total = Math.round(64 / scale) * 1024 * 1024;
const secure = certs();

// --- the library's streams, as bench/workloads/streams.ts runs them ---------

interface Checkout {
  root: string;
  m: Library;
  s: Library;
  ssl: [Library, Library];
}

function streamsEcho({ m, s, ssl }: Checkout, useTls: boolean) {
  const [serverSsl, clientSsl] = useTls ? ssl : [undefined, undefined];
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
      { ssl: serverSsl },
    );
    const [, port] = server.sockets[0].getsockname();
    const [reader, writer] = await s.openConnection(HOST, port, {
      ssl: clientSsl,
    });
    let count = 0;
    for (let i = 0; i < echoes; i++) {
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

function streamsBulk({ m, s, ssl }: Checkout, useTls: boolean) {
  const [serverSsl, clientSsl] = useTls ? ssl : [undefined, undefined];
  return m.run(async () => {
    let received = 0;
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => finished = resolve);
    const server = await s.startServer(
      async (reader: Library, writer: Library) => {
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          received += data.length;
        }
        writer.close();
        finished();
      },
      HOST,
      0,
      { ssl: serverSsl },
    );
    const [, port] = server.sockets[0].getsockname();
    const [, writer] = await s.openConnection(HOST, port, { ssl: clientSsl });
    for (let sent = 0; sent < total; sent += CHUNK.length) {
      writer.write(CHUNK);
      await writer.drain();
    }
    writer.close();
    await writer.waitClosed();
    await done;
    server.close();
    await server.waitClosed();
    return received;
  });
}

// --- the rows -----------------------------------------------------------------

type Row = {
  expected: number;
  floor: () => Promise<number>;
  library: (checkout: Checkout) => Promise<number>;
};

const rows: Record<string, Row> = {
  S1: {
    expected: echoes,
    floor: () => nodeEcho(echoes),
    library: (c) => streamsEcho(c, false),
  },
  S2: {
    expected: total,
    floor: () => nodeBulk(total),
    library: (c) => streamsBulk(c, false),
  },
  T1: {
    expected: echoes,
    floor: () => nodeEcho(echoes, secure),
    library: (c) => streamsEcho(c, true),
  },
  T2: {
    expected: total,
    floor: () => nodeBulk(total, secure),
    library: (c) => streamsBulk(c, true),
  },
};

async function load(root: string): Promise<Checkout> {
  const at = (file: string) =>
    pathToFileURL(resolve(root, compiled ? `npm/${file}.js` : `${file}.ts`))
      .href;
  const m = await import(at("mod"));
  const s = await import(at("streams/mod"));
  const ssl: [Library, Library] = [
    s.createSslContext({
      purpose: "clientAuth",
      cert: secure.cert,
      key: secure.key,
    }),
    s.createSslContext({ ca: secure.ca }),
  ];
  return { root, m, s, ssl };
}

const checkouts: Checkout[] = [];
for (const root of roots) checkouts.push(await load(root));
const name = (root: string) => root.replace(/\/$/, "").split("/").pop();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

console.log(
  `# ${
    process.versions.bun ? "Bun" : "deno" in process.versions ? "Deno" : "Node"
  }` +
    ` scale 1/${scale}, ${rounds} rounds after a warm-up; median wall / CPU ms`,
);
for (const id of only) {
  const row = rows[id];
  if (row === undefined) throw new RangeError(`Unknown row ${id}`);
  const systems = [
    { label: "node", run: row.floor },
    ...checkouts.map((c) => ({
      label: name(c.root)!,
      run: () => row.library(c),
    })),
  ];
  const wall: number[][] = systems.map(() => []);
  const cpu: number[][] = systems.map(() => []);
  for (let round = 0; round <= rounds; round++) {
    const order = systems.map((_, i) => round % 2 ? i : systems.length - 1 - i);
    for (const i of order) {
      const startCpu = process.cpuUsage();
      const start = performance.now();
      if (trace) console.error(`${id} round ${round}: ${systems[i].label}`);
      const result = await systems[i].run();
      const ms = performance.now() - start;
      const used = process.cpuUsage(startCpu);
      if (result !== row.expected) {
        throw new Error(`${id} ${systems[i].label} returned ${result}`);
      }
      if (round === 0) continue;
      wall[i].push(ms);
      cpu[i].push((used.user + used.system) / 1000);
    }
  }
  const floorWall = median(wall[0]);
  const floorCpu = median(cpu[0]);
  const cells = systems.map((system, i) => {
    const w = median(wall[i]);
    const c = median(cpu[i]);
    const ratio = i === 0
      ? ""
      : ` (${(w / floorWall).toFixed(2)}x wall, ${
        (c / floorCpu).toFixed(2)
      }x cpu)`;
    return `${system.label} ${w.toFixed(0)} / ${c.toFixed(0)}${ratio}`;
  });
  console.log(`${id}: ${cells.join(" | ")}`);
}
process.exit(0);
