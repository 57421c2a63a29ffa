/**
 * `createSubprocessExec()` and `createSubprocessShell()`.
 *
 * @module
 */
import {
  openSharedOutput,
  type SharedOutput,
  spawnChild,
  type SpawnRequest,
  type StdioMode,
} from "../internal/process_host.ts";
import { checkOptions, describe } from "../internal/validate.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { checkLimit } from "../streams/checks.ts";
import { waitOnHost } from "../streams/host_wait.ts";
import { DEFAULT_LIMIT } from "../streams/stream_reader.ts";
import { DEVNULL, PIPE, STDOUT } from "./constants.ts";
import type { Process } from "./process.ts";
import { internals } from "./_internals.ts";
// Evaluated for its static block, which fills `internals.newProcess`.
import "./process.ts";
import { internals as loopInternals } from "../loop/_internals.ts";

/**
 * Options of `createSubprocessExec()` and `createSubprocessShell()`. A key
 * that is not one of these is a `TypeError` that names it.
 *
 * @example Signalling a whole process tree
 * ```ts
 * import { createSubprocessShell, PIPE } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import process from "node:process";
 * import assert from "node:assert/strict";
 *
 * const [code, rest] = await run(async () => {
 *   // The shell starts a `sleep` of its own, which shares its stdout.
 *   const child = await createSubprocessShell("sleep 30 & wait", {
 *     stdout: PIPE,
 *     processGroup: 0,
 *   });
 *   process.kill(-child.pid, "SIGTERM"); // the shell and its sleep
 *   const rest = await child.stdout!.read(); // EOF: the sleep is gone too
 *   return [await child.wait(), rest.length];
 * });
 * assert.equal(code, -15);
 * assert.equal(rest, 0);
 * ```
 */
export interface SubprocessOptions {
  /**
   * The child's stdin: `PIPE`, `DEVNULL`, a file descriptor, or `null`
   * (the default) to share the parent's.
   */
  stdin?: number | null;
  /** The child's stdout: as `stdin`. */
  stdout?: number | null;
  /**
   * The child's stderr: as `stdin`, or `STDOUT` to send it wherever stdout
   * goes (with `stdout: PIPE`, one channel that both write to, so
   * `process.stdout` reads their bytes in the order the child wrote them).
   */
  stderr?: number | null;
  /** The buffer limit of the output readers in bytes; 64 KiB by default. */
  limit?: number;
  /** The working directory; the parent's by default. */
  cwd?: string;
  /** The child's whole environment; the parent's by default. */
  env?: Record<string, string>;
  /**
   * Starts the child in a new session (`setsid()`), which also makes it
   * the leader of a new process group: `process.kill(-child.pid, signal)`
   * then reaches it and everything it started. `false` by default.
   */
  startNewSession?: boolean;
  /**
   * `0` starts the child in a new process group whose id is its pid, so
   * `process.kill(-child.pid, signal)` reaches the whole tree it starts.
   * Deno, Bun and Node can only do that through a new session, so the
   * child also starts a new session, as with `startNewSession` (unlike
   * Python, it leaves the parent's controlling terminal). Joining another
   * group (a pgid above 0) is not possible on them: a `RangeError`. `null`
   * or omitted: the parent's group.
   */
  processGroup?: number | null;
}

const SUBPROCESS_OPTIONS: (keyof SubprocessOptions)[] = [
  "stdin",
  "stdout",
  "stderr",
  "limit",
  "cwd",
  "env",
  "startNewSession",
  "processGroup",
];

/**
 * Runs `program` with `args` as a child process: asyncio's
 * `create_subprocess_exec`. No shell is involved: each argument reaches
 * the program verbatim (spaces, quotes and `$` included). A trailing plain
 * object is the options. A program that cannot be started throws an
 * `Error` that names it and says why (`code` `"ENOENT"` when it does not
 * exist); nothing is left running.
 *
 * @example Arguments reach the program verbatim
 * ```ts
 * import { createSubprocessExec, PIPE } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const out = await run(async () => {
 *   const child = await createSubprocessExec("printf", "%s|", "a b", "$HOME", {
 *     stdout: PIPE,
 *   });
 *   const [stdout] = await child.communicate();
 *   return new TextDecoder().decode(stdout!);
 * });
 * assert.equal(out, "a b|$HOME|");
 * ```
 */
export async function createSubprocessExec(
  program: string,
  ...args: [...args: string[], options: SubprocessOptions] | string[]
): Promise<Process> {
  if (typeof program !== "string" || program === "") {
    throw new TypeError(
      `The program must be a non-empty string, got ${describe(program)}`,
    );
  }
  checkNoNul(program, "The program");
  const last = args[args.length - 1];
  const hasOptions = typeof last === "object" && last !== null &&
    !Array.isArray(last);
  const options = checkOptions<SubprocessOptions>(
    hasOptions ? args.pop() : {},
    "createSubprocessExec()",
    SUBPROCESS_OPTIONS,
  );
  args.forEach((arg, index) => {
    if (typeof arg !== "string") {
      throw new TypeError(
        `Argument ${index + 1} of createSubprocessExec() must be a string, ` +
          `got ${describe(arg)}` +
          (Array.isArray(arg) ? ": pass the arguments one by one" : ""),
      );
    }
    checkNoNul(arg, `Argument ${index + 1} of createSubprocessExec()`);
  });
  return await start(program, args as string[], false, options);
}

/**
 * Runs `command` through the system shell (`/bin/sh -c` on POSIX):
 * asyncio's `create_subprocess_shell`. Quote anything that comes from
 * outside; `createSubprocessExec()` needs no quoting.
 *
 * @example A pipeline
 * ```ts
 * import { createSubprocessShell, PIPE } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [out, code] = await run(async () => {
 *   const child = await createSubprocessShell("echo one two | wc -w", {
 *     stdout: PIPE,
 *   });
 *   const [stdout] = await child.communicate();
 *   return [new TextDecoder().decode(stdout!).trim(), child.returncode];
 * });
 * assert.equal(out, "2");
 * assert.equal(code, 0);
 * ```
 */
export async function createSubprocessShell(
  command: string,
  options: SubprocessOptions = {},
): Promise<Process> {
  if (typeof command !== "string" || command === "") {
    throw new TypeError(
      `The command must be a non-empty string, got ${describe(command)}`,
    );
  }
  checkNoNul(command, "The command");
  const checked = checkOptions<SubprocessOptions>(
    options,
    "createSubprocessShell()",
    SUBPROCESS_OPTIONS,
  );
  return await start(command, [], true, checked);
}

async function start(
  file: string,
  args: string[],
  shell: boolean,
  options: SubprocessOptions,
): Promise<Process> {
  const request: SpawnRequest = {
    file,
    args,
    shell,
    stdin: stdioMode(options.stdin, "stdin"),
    stdout: stdioMode(options.stdout, "stdout"),
    stderr: options.stderr === STDOUT
      ? "stdout"
      : stdioMode(options.stderr, "stderr"),
    cwd: optionalString(options.cwd, "cwd"),
    env: checkEnv(options.env),
    newSession: checkNewSession(options.startNewSession) ||
      checkProcessGroup(options.processGroup),
  };
  const limit = checkLimit(options.limit ?? DEFAULT_LIMIT);
  const loop = getRunningLoop();
  if (request.stderr === "stdout" && request.stdout === "pipe") {
    request.output = await openOutput(loop);
  }
  const spawned = loop.createFuture<void>();
  const settle = (error: Error | null) => {
    if (spawned.done() || loop.isClosed()) return;
    if (error === null) spawned.setResult();
    else spawned.setException(error);
  };
  let process: Process | null = null;
  const child = spawnChild(request, {
    spawned: () => settle(null),
    failed: settle,
    // As in asyncio, the exit is seen by loop callbacks in order, not as
    // the host reports it in the middle of a task's step.
    exited: (returncode) => {
      const exited = (code: number) => internals.processExited(process!, code);
      if (loop.isClosed()) exited(returncode);
      else loopInternals.callSoon(loop, exited, returncode);
    },
  });
  process = internals.newProcess(loop, child, limit);
  try {
    await waitOnHost(spawned, child);
  } catch (error) {
    child.signal("SIGKILL");
    throw error;
  }
  return process;
}

/** Opens the one channel a child's stdout and stderr will share. */
async function openOutput(loop: EventLoop): Promise<SharedOutput> {
  const opened = loop.createFuture<void>();
  const output = openSharedOutput({
    opened: () => {
      if (!opened.done()) opened.setResult();
    },
    failed: (error) => {
      if (!opened.done()) opened.setException(error);
    },
  });
  try {
    await waitOnHost(opened, output);
  } catch (error) {
    output.close();
    throw error;
  }
  return output;
}

function checkNewSession(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `startNewSession must be a boolean, got ${describe(value)}`,
    );
  }
  return value;
}

/** Whether the child needs a group of its own (only through a new session). */
function checkProcessGroup(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "number") {
    throw new TypeError(
      `processGroup must be a number or null, got ${describe(value)}`,
    );
  }
  if (value !== 0) {
    throw new RangeError(
      `processGroup must be 0 (a new group led by the child), got ${value}: ` +
        "Deno, Bun and Node cannot make a child join an existing group",
    );
  }
  return true;
}

function stdioMode(value: unknown, name: string): StdioMode {
  if (value === undefined || value === null) return "inherit";
  if (value === PIPE) return "pipe";
  if (value === DEVNULL) return "ignore";
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be PIPE, DEVNULL, a file descriptor or null, got ` +
        describe(value),
    );
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be PIPE, DEVNULL, a file descriptor or null, got ` +
        (value === STDOUT ? "STDOUT (only stderr can go to STDOUT)" : value),
    );
  }
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  return checkNoNul(value, name);
}

/**
 * `value`, unless it holds a NUL byte, which no program can be given:
 * a `RangeError`, Python's `ValueError: embedded null byte`.
 */
function checkNoNul(value: string, what: string): string {
  if (value.includes("\0")) {
    throw new RangeError(`${what} contains a NUL byte (embedded null byte)`);
  }
  return value;
}

function checkEnv(env: unknown): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  if (typeof env !== "object" || env === null) {
    throw new TypeError(`env must be an object, got ${describe(env)}`);
  }
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== "string") {
      throw new TypeError(
        `env.${key} must be a string, got ${describe(value)}`,
      );
    }
    checkNoNul(key, "An env name");
    checkNoNul(value, `env.${key}`);
  }
  return env as Record<string, string>;
}
