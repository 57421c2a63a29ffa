/**
 * Runs the benchmark workloads W1-W10, S1, S2, T1, T2, P1, P2 and MEM side by side on the
 * runtime that runs this file, and prints min, median and ratios.
 *
 *   deno task bench [--only W1,W2] [--rounds 5] [--warmup 1] [--scale 1]
 *                   [--kinds aio,floor]   (skip the peers and CPython)
 *                   [--goals]             (only the library and each goal's reference)
 *   bun bench/run.ts ...           node npm/bench/run.js ...
 *
 * @module
 */
import process from "node:process";
import {
  goalOf,
  type GoalResult,
  measure,
  measureInterleaved,
  option,
  report,
  type Timing,
  type Workload,
} from "./harness.ts";
import { type Plan, w1, w10, w2, w6, w9 } from "./workloads/tasks.ts";
import { w3, w4, w5 } from "./workloads/sync.ts";
import { closers, w7, w8 } from "./workloads/executor.ts";
import { memoryPerTask } from "./workloads/memory.ts";
import { p1, p2, s1, s2, t1, t2 } from "./workloads/streams.ts";

function runtime(): string {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.deno) return `Deno ${versions.deno}`;
  if (versions.bun) return `Bun ${versions.bun}`;
  return `Node ${process.versions.node}`;
}

/** Pools of some peers may not shut down on every runtime: do not hang. */
async function closeWithin(
  close: () => Promise<unknown>,
  ms: number,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    close().catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

const plan: Plan = {
  rounds: Number(option("rounds", "5")),
  warmup: Number(option("warmup", "1")),
  scale: Number(option("scale", "1")),
};
const only = option(
  "only",
  "W1,W2,W3,W4,W5,W6,W7,W8,W8B,W9,W10,S1,S2,T1,T2,P1,P2,MEM",
)
  .split(",");
const kinds = option("kinds", "").split(",").filter(Boolean);
const goalsOnly = process.argv.includes("--goals");
const overshoots = new Map<string, number>();

const builders: Record<string, () => Workload | Promise<Workload>> = {
  W1: () => w1(plan),
  W2: () => w2(plan),
  W3: () => w3(plan),
  W4: () => w4(plan),
  W5: () => w5(plan),
  W6: () => w6(plan, overshoots),
  W7: () => w7(plan),
  W8: () => w8(plan),
  W8B: () => w8(plan, 32),
  W9: () => w9(plan),
  W10: () => w10(plan),
  S1: () => s1(plan),
  S2: () => s2(plan),
  T1: () => t1(plan),
  T2: () => t2(plan),
  P1: () => p1(plan),
  P2: () => p2(plan),
};

console.log(
  `# ${runtime()}, ${new Date().toISOString().slice(0, 10)}, ` +
    `${plan.rounds} rounds after ${plan.warmup} warm-up, scale 1/${plan.scale}`,
);
const goals: GoalResult[] = [];
for (const id of only) {
  if (id === "MEM") {
    console.log(await memoryPerTask(Math.round(1_000_000 / plan.scale)));
    continue;
  }
  const build = builders[id];
  if (build === undefined) throw new RangeError(`Unknown workload ${id}`);
  const workload = await build();
  const systems = workload.systems.filter((system) =>
    (kinds.length === 0 || kinds.includes(system.kind)) &&
    (!goalsOnly || system.kind === "aio" ||
      workload.goal?.against.includes(system.name))
  );
  const timings: Timing[] = [];
  if (workload.interleave) {
    timings.push(
      ...await measureInterleaved(
        systems,
        workload.checksum,
        plan.rounds,
        plan.warmup,
      ),
    );
  } else {
    for (const system of systems) {
      timings.push(
        await measure(system, workload.checksum, plan.rounds, plan.warmup),
      );
    }
  }
  console.log(report(workload, timings));
  const goal = goalOf(workload, timings);
  if (goal !== null) goals.push(goal);
  while (closers.length > 0) await closeWithin(closers.pop()!, 5000);
  if (id.startsWith("W8")) {
    const serial = timings.find((t) => t.name === "serial, main thread");
    for (const t of timings.filter((t) => serial && t !== serial && !t.error)) {
      console.log(
        `  speedup on 2 workers, ${t.name}: ${
          (serial!.min / t.min).toFixed(2)
        }x`,
      );
    }
  }
  if (id === "W6") {
    for (const [name, ms] of overshoots) {
      console.log(
        `  worst overshoot past the deadline (best round), ${name}: ${
          ms.toFixed(1)
        } ms`,
      );
    }
  }
}
if (goals.length > 0) {
  console.log(
    "\n| workload | reference | ratio | median ratio | target | met |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const g of goals) {
    console.log(
      `| ${g.id} | ${g.reference} | ${g.ratio.toFixed(2)}x | ${
        g.medianRatio.toFixed(2)
      }x | ${g.target} | ${g.met ? "yes" : "no"} |`,
    );
  }
}
process.exit(0);
