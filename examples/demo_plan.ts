/**
 * What the demo's server does for each country, drawn in advance from a
 * seeded generator: the results depend on the seed only, never on the
 * order in which requests arrive.
 *
 * @module
 */
import { COUNTRIES } from "./demo_countries.ts";

/** A request the server fails on purpose. */
export interface Fault {
  /** Which of the country's two resources fails. */
  resource: "flag" | "country";
  /** An HTTP 500, or a connection closed without a response. */
  kind: "500" | "drop";
}

/** How the server answers for one country code. */
export interface CountryPlan {
  /** The country's name, or `null` for a code the server does not know. */
  name: string | null;
  /** False when the flag is missing (404) although the country is known. */
  hasFlag: boolean;
  fault: Fault | null;
  /** Seconds the server waits before answering for the flag. */
  flagDelay: number;
  /** Seconds the server waits before answering for the metadata. */
  countryDelay: number;
}

/** The share of known countries whose flag is missing. */
const MISSING_RATE = 0.1;
/** The share of flags that are slow to come. */
const SLOW_RATE = 0.1;

/** The plan for each of `codes`, the same for the same seed. */
export function makePlan(
  codes: readonly string[],
  { seed, failureRate }: { seed: number; failureRate: number },
): Map<string, CountryPlan> {
  const random = mulberry32(seed);
  const plan = new Map<string, CountryPlan>();
  for (const code of codes) {
    // Always six draws, so that one country's plan never shifts another's.
    const [missing, failing, resource, kind, slow, delay] = Array.from(
      { length: 6 },
      random,
    );
    plan.set(code, {
      name: COUNTRIES.get(code) ?? null,
      hasFlag: missing >= MISSING_RATE,
      fault: failing < failureRate
        ? {
          resource: resource < 0.5 ? "flag" : "country",
          kind: kind < 0.5 ? "500" : "drop",
        }
        : null,
      flagDelay: slow < SLOW_RATE ? 0.3 + delay * 0.3 : 0.01 + delay * 0.04,
      countryDelay: 0.01 + (1 - delay) * 0.04,
    });
  }
  return plan;
}

/** A small, fast, seeded generator of numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
