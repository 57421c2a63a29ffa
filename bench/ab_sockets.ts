/**
 * Before/after in one process for the byte rows S1, S2, T1, T2, P1 and P2:
 * the library of two or more checkouts and the runtime's own sockets
 * (`node:net`, `node:tls`), rounds interleaved, so that a noisy machine
 * slows every system alike. Each row runs as `bench/workloads/streams.ts`
 * runs it. Prints the median wall time and the median CPU time
 * (`process.cpuUsage()`, user + system) of each, and each checkout's ratio
 * of medians to the runtime's own sockets.
 *
 *   git worktree add /tmp/before <commit>
 *   deno run -A bench/ab_sockets.ts /tmp/before,. [--scale 2] [--rounds 9] [--only S1,P1] [--trace]
 *   node_modules/.bin/bun bench/ab_sockets.ts /tmp/before,. ...
 *   node npm/bench/ab_sockets.js /tmp/before,. ...   (each checkout built: scripts/build_npm.mjs)
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Contexts,
  contexts,
  type Library,
  protocolBulk,
  protocolEcho,
  streamsBulk,
  streamsEcho,
} from "./workloads/library_sockets.ts";
import { certs, nodeBulk, nodeEcho } from "./workloads/node_sockets.ts";
import { option } from "./harness.ts";

const scale = Number(option("scale", "1"));
const rounds = Number(option("rounds", "9"));
const only = option("only", "S1,S2,T1,T2,P1,P2").split(",");
/** Names each run on stderr as it starts: a run that stalls shows where. */
const trace = process.argv.includes("--trace");
const roots = (process.argv[2] ?? "").split(",").filter(Boolean);
if (roots.length < 1 || roots[0].startsWith("--")) {
  throw new TypeError("Usage: ab_sockets.ts BEFORE,AFTER[,...] [--scale 2]");
}
/** The npm build runs as JavaScript and loads each checkout's build. */
const compiled = import.meta.url.endsWith(".js");

const echoes = Math.round(10_000 / scale);
const total = Math.round(64 / scale) * 1024 * 1024;
const secure = certs();

/** A checkout, its name, and its TLS contexts. */
interface Checkout {
  label: string;
  library: Library;
  ssl: Contexts;
}

type Row = {
  expected: number;
  floor: () => Promise<number>;
  library: (checkout: Checkout) => Promise<number>;
};

const rows: Record<string, Row> = {
  S1: {
    expected: echoes,
    floor: () => nodeEcho(echoes),
    library: (c) => streamsEcho(c.library, echoes),
  },
  S2: {
    expected: total,
    floor: () => nodeBulk(total),
    library: (c) => streamsBulk(c.library, total),
  },
  T1: {
    expected: echoes,
    floor: () => nodeEcho(echoes, secure),
    library: (c) => streamsEcho(c.library, echoes, c.ssl),
  },
  T2: {
    expected: total,
    floor: () => nodeBulk(total, secure),
    library: (c) => streamsBulk(c.library, total, c.ssl),
  },
  P1: {
    expected: echoes,
    floor: () => nodeEcho(echoes),
    library: (c) => protocolEcho(c.library, echoes),
  },
  P2: {
    expected: total,
    floor: () => nodeBulk(total),
    library: (c) => protocolBulk(c.library, total),
  },
};

async function load(root: string): Promise<Checkout> {
  const at = (file: string) =>
    pathToFileURL(resolve(root, compiled ? `npm/${file}.js` : `${file}.ts`))
      .href;
  const library: Library = {
    m: await import(at("mod")),
    s: await import(at("streams/mod")),
  };
  const label = root.replace(/\/$/, "").split("/").pop()!;
  return { label, library, ssl: contexts(library, secure) };
}

const checkouts: Checkout[] = [];
for (const root of roots) checkouts.push(await load(root));

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
    ...checkouts.map((c) => ({ label: c.label, run: () => row.library(c) })),
  ];
  const wall: number[][] = systems.map(() => []);
  const cpu: number[][] = systems.map(() => []);
  for (let round = 0; round <= rounds; round++) {
    // Alternate the order, so that no system always runs after another.
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
