/**
 * CPython's asyncio as a peer: runs bench/python/workloads.py once for all
 * rounds and hands out one round per call.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import type { System } from "./harness.ts";

const script = new URL("./python/workloads.py", import.meta.url).pathname;

/** A system that times CPython running `workload` with `sizes`. */
export function cpython(
  workload: string,
  rounds: number,
  ...sizes: (number | string)[]
): System {
  let results: [number, number][] = [];
  return {
    name: "CPython 3 asyncio",
    kind: "peer",
    selfTimed: true,
    run() {
      if (results.length === 0) {
        const output = execFileSync(
          "python3",
          [script, workload, String(rounds), ...sizes.map(String)],
          {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
            maxBuffer: 1 << 20,
          },
        );
        results = JSON.parse(output);
      }
      return results.shift() as unknown as number;
    },
  };
}
