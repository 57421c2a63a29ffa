/**
 * The demo's command line: its flags, their defaults, and `--help`.
 *
 * @module
 */
import { COUNTRY_CODES } from "./demo_countries.ts";

/** Which passes the demo runs. */
export type Mode = "both" | "sequential" | "concurrent";

/** What the command line asked for. */
export interface Options {
  concurrency: number;
  count: number;
  failureRate: number;
  seed: number;
  mode: Mode;
  keep: boolean;
}

/** A command line the demo cannot run: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What the demo does with no arguments: a run of a few seconds. */
export const DEFAULTS: Options = {
  concurrency: 8,
  count: 20,
  failureRate: 0.1,
  seed: 7,
  mode: "both",
  keep: false,
};

/** The text of `--help`. */
export const HELP = `\
The Fluent Python flags downloader, with @aio/asyncio.

A local HTTP server serves generated flags and country metadata: some are
missing (404), some slow, some failing (500 or a dropped connection), chosen
by a seeded random generator so that a seed always gives the same results.
The client downloads them one at a time, then concurrently, and compares.

Usage: npm run demo -- [options]     (or: deno task demo [options])

Options:
  -c, --concurrency N    downloads at once in the concurrent pass, 1 or more
                         (default ${DEFAULTS.concurrency})
  -n, --count N          how many country codes to fetch, 1 to ${COUNTRY_CODES.length}
                         (default ${DEFAULTS.count})
  -f, --failure-rate R   the share of countries whose requests fail,
                         0 to 1 (default ${DEFAULTS.failureRate})
  -s, --seed N           the seed of the server's choices, an integer
                         (default ${DEFAULTS.seed})
  -m, --mode MODE        both, sequential or concurrent (default ${DEFAULTS.mode})
  -k, --keep             keep the downloaded files (their folder is printed)
  -h, --help             show this help

Ctrl-C stops the downloads and reports what was done (exit code 130).
`;

type Setter = (options: Options, value: string, flag: string) => void;

const SETTERS: Record<string, Setter> = {
  concurrency: (o, value, flag) => o.concurrency = integer(value, flag, 1),
  count: (o, value, flag) =>
    o.count = integer(value, flag, 1, COUNTRY_CODES.length),
  "failure-rate": (o, value, flag) => o.failureRate = rate(value, flag),
  seed: (o, value, flag) => o.seed = integer(value, flag, 0, 2 ** 32 - 1),
  mode: (o, value, flag) => o.mode = mode(value, flag),
};

const SHORT: Record<string, string> = {
  c: "concurrency",
  n: "count",
  f: "failure-rate",
  s: "seed",
  m: "mode",
  k: "keep",
  h: "help",
};

/**
 * Reads the arguments: the options, or `"help"` for `--help`. A
 * `UsageError` says what is wrong with a bad one.
 */
export function parseOptions(args: readonly string[]): Options | "help" {
  const options = { ...DEFAULTS };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^(?:--([a-z-]+)|-([a-z]))(?:=(.*))?$/.exec(arg);
    const name = match && (match[1] ?? SHORT[match[2]]);
    if (!name) {
      throw new UsageError(`Unknown argument ${arg}: see --help`);
    }
    if (name === "help") return "help";
    if (name === "keep") {
      if (match[3] !== undefined) {
        throw new UsageError(`${arg}: --keep takes no value`);
      }
      options.keep = true;
      continue;
    }
    const setter = SETTERS[name];
    if (setter === undefined) {
      throw new UsageError(`Unknown option ${arg}: see --help`);
    }
    const value = match[3] ?? args[++i];
    if (value === undefined) {
      throw new UsageError(`${arg} needs a value: see --help`);
    }
    setter(options, value, arg.replace(/=.*/, ""));
  }
  return options;
}

function integer(value: string, flag: string, min: number, max = Infinity) {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    const range = max === Infinity ? `${min} or more` : `${min} to ${max}`;
    throw new UsageError(`${flag} must be an integer, ${range}; got ${value}`);
  }
  return n;
}

function rate(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n <= 1)) {
    throw new UsageError(`${flag} must be a number from 0 to 1; got ${value}`);
  }
  return n;
}

function mode(value: string, flag: string): Mode {
  if (value === "both" || value === "sequential" || value === "concurrent") {
    return value;
  }
  throw new UsageError(
    `${flag} must be both, sequential or concurrent; got ${value}`,
  );
}
