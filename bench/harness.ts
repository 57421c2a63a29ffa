/**
 * Measuring: warm-up, several rounds, min and median, and a checked result
 * so that no system is timed doing nothing.
 *
 * @module
 */
import process from "node:process";

/** The value after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

/** The checksum most workloads use. */
export const sum = (values: number[]): number =>
  values.reduce((a, b) => a + b, 0);

/** One system's way of running a workload; resolves to a checksum. */
export interface System {
  /** Name in the table, e.g. "@aio/asyncio", "raw Promise", "p-limit". */
  name: string;
  /** `floor` for the runtime's own primitives, `peer` for other libraries. */
  kind: "aio" | "floor" | "peer";
  /** Runs the workload once; the result must equal the workload's checksum. */
  run(): Promise<number> | number;
  /** When set, the system reports its own time in ms (e.g. CPython). */
  selfTimed?: boolean;
}

/** A workload: systems that compute the same checksum. */
export interface Workload {
  /** W1..W9. */
  id: string;
  /** What it measures, in a few words. */
  title: string;
  /** The checksum every system must produce. */
  checksum: number;
  /** The systems, the library first. */
  systems: System[];
  /** Unit shown for figures; default "ms" (smaller is better). */
  unit?: string;
  /** The library's target, as a ratio against named reference systems. */
  goal?: Goal;
  /**
   * Run the systems' rounds in turn (one round of each, then the next), so
   * that a load that comes and goes on a shared machine slows each alike.
   */
  interleave?: boolean;
}

/**
 * A target: the library's fastest round over the fastest of `against`
 * (`time`, at most `ratio`), or the reference's over the library's
 * (`speedup`: the library keeps at least `ratio` of the reference's speedup).
 */
export interface Goal {
  /** Reference systems, by name; the fastest of them counts. */
  against: string[];
  /** The bound on the ratio. */
  ratio: number;
  /** Which way the ratio is taken; `time` by default. */
  by?: "time" | "speedup";
}

/** A workload's ratio against its goal's reference, or null if not run. */
export interface GoalResult {
  /** Workload id. */
  id: string;
  /** The reference, in words. */
  reference: string;
  /** The measured ratio, of fastest rounds. */
  ratio: number;
  /** The same ratio taken of median rounds. */
  medianRatio: number;
  /** The target, in words (e.g. "≤ 2x"). */
  target: string;
  /** True if the target is met. */
  met: boolean;
}

/** Measures `workload.goal` on the timings; null when it cannot be. */
export function goalOf(
  workload: Workload,
  timings: Timing[],
): GoalResult | null {
  const goal = workload.goal;
  const aio = timings.find((t) => t.kind === "aio" && !t.error);
  if (goal === undefined || aio === undefined) return null;
  const references = timings.filter((t) =>
    goal.against.includes(t.name) && !t.error
  );
  if (references.length === 0) return null;
  const fastest = Math.min(...references.map((t) => t.min));
  const median = Math.min(...references.map((t) => t.median));
  const speedup = goal.by === "speedup";
  const ratio = speedup ? fastest / aio.min : aio.min / fastest;
  const medianRatio = speedup ? median / aio.median : aio.median / median;
  return {
    id: workload.id,
    reference: goal.against.length > 1
      ? `min(${goal.against.join(", ")})`
      : goal.against[0],
    ratio,
    medianRatio,
    target: `${speedup ? "≥" : "≤"} ${goal.ratio}x`,
    met: speedup ? ratio >= goal.ratio : ratio <= goal.ratio,
  };
}

/** Timing of one system. */
export interface Timing {
  /** System name. */
  name: string;
  /** System kind. */
  kind: System["kind"];
  /** Fastest round. */
  min: number;
  /** Median round. */
  median: number;
  /** Set when the system could not run here. */
  error?: string;
}

/** A round that takes longer is reported as not run (a peer may hang). */
const ROUND_LIMIT_MS = 60_000;

async function withinLimit<T>(work: Promise<T> | T, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`a round took over ${ms / 1000} s`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `system` `warmup` + `rounds` times; checks each result. */
export async function measure(
  system: System,
  checksum: number,
  rounds: number,
  warmup: number,
): Promise<Timing> {
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + rounds; i++) {
      const start = performance.now();
      const result = await withinLimit(system.run(), ROUND_LIMIT_MS);
      const elapsed = performance.now() - start;
      const value = system.selfTimed
        ? (result as unknown as [number, number])[0]
        : result;
      const time = system.selfTimed
        ? (result as unknown as [number, number])[1]
        : elapsed;
      if (value !== checksum) {
        throw new Error(`wrong result ${value}, expected ${checksum}`);
      }
      if (i >= warmup) times.push(time);
    }
  } catch (error) {
    return {
      name: system.name,
      kind: system.kind,
      min: NaN,
      median: NaN,
      error: error instanceof Error
        ? error.message.split("\n")[0]
        : String(error),
    };
  }
  times.sort((a, b) => a - b);
  return {
    name: system.name,
    kind: system.kind,
    min: times[0],
    median: times[Math.floor(times.length / 2)],
  };
}

/**
 * As `measure` for every system of `workload`, rounds taken in turn: all
 * warm-ups first, then one round of each system per pass. A system that
 * fails is reported as not run and left out of later passes.
 */
export async function measureInterleaved(
  systems: System[],
  checksum: number,
  rounds: number,
  warmup: number,
): Promise<Timing[]> {
  const times = systems.map(() => [] as number[]);
  const errors = systems.map(() => null as string | null);
  for (let pass = 0; pass < warmup + rounds; pass++) {
    for (const [i, system] of systems.entries()) {
      if (errors[i] !== null) continue;
      const timing = await measure(system, checksum, 1, 0);
      if (timing.error !== undefined) errors[i] = timing.error;
      else if (pass >= warmup) times[i].push(timing.min);
    }
  }
  return systems.map((system, i) => {
    const sorted = times[i].sort((a, b) => a - b);
    return errors[i] !== null
      ? {
        name: system.name,
        kind: system.kind,
        min: NaN,
        median: NaN,
        error: errors[i]!,
      }
      : {
        name: system.name,
        kind: system.kind,
        min: sorted[0],
        median: sorted[Math.floor(sorted.length / 2)],
      };
  });
}

/** Formats a workload's timings with ratios to the floor and best peer. */
export function report(workload: Workload, timings: Timing[]): string {
  const aio = timings.find((t) => t.kind === "aio");
  const floor = timings.find((t) => t.kind === "floor" && !t.error);
  const peers = timings.filter((t) => t.kind === "peer" && !t.error);
  const best = peers.sort((a, b) => a.min - b.min)[0];
  const unit = workload.unit ?? "ms";
  const lines = [`${workload.id} ${workload.title}`];
  for (const t of timings) {
    lines.push(
      t.error
        ? `  ${t.name.padEnd(28)} not run: ${t.error}`
        : `  ${t.name.padEnd(28)} min ${fmt(t.min)} ${unit}  median ${
          fmt(t.median)
        } ${unit}`,
    );
  }
  if (aio && !aio.error) {
    if (floor) {
      lines.push(
        `  ratio to floor (${floor.name}): ${
          (aio.min / floor.min).toFixed(2)
        }x`,
      );
    }
    if (best) {
      lines.push(
        `  ratio to best peer (${best.name}): ${
          (aio.min / best.min).toFixed(2)
        }x`,
      );
    }
  }
  return lines.join("\n");
}

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
