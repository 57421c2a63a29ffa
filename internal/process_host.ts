/**
 * Child processes of the host runtime: one adapter over
 * `node:child_process`, which Deno, Bun and Node all provide (measured:
 * arguments reach the program verbatim, `spawn`/`error`/`exit` events,
 * signals, pipes with back-pressure, ref/unref). A child and its pipes
 * start unreferenced and keep the process alive only while held.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import type { Duplex } from "node:stream";
import {
  type HostStream,
  mergeStreams,
  type StreamEvents,
  wrapStream,
} from "./stream_host.ts";

/** Where a standard stream of the child goes. */
export type StdioMode = "pipe" | "ignore" | "inherit" | number;

/** What to run and how. */
export interface SpawnRequest {
  /** The program, or the shell command line when `shell` is set. */
  file: string;
  /** Arguments, passed verbatim (no shell involved unless `shell`). */
  args: string[];
  /** Runs `file` through the system shell. */
  shell: boolean;
  /** The child's stdin. */
  stdin: StdioMode;
  /** The child's stdout. */
  stdout: StdioMode;
  /** The child's stderr; `"stdout"` sends it into the stdout pipe. */
  stderr: StdioMode | "stdout";
  /** The working directory; the parent's when omitted. */
  cwd?: string;
  /** The whole environment; the parent's when omitted. */
  env?: Record<string, string>;
}

/** What a child reports. */
export interface ChildCallbacks {
  /** It started: `pid` is known. */
  spawned(): void;
  /** It could not be started; the error says why. */
  failed(error: Error): void;
  /**
   * It exited: its exit status, or minus the number of the signal that
   * ended it (as in Python).
   */
  exited(returncode: number): void;
}

/** A started child process. */
export interface HostChild {
  /** The process id (once spawned). */
  readonly pid: number;
  /**
   * Wires the child's pipe `fd` (0, 1 or 2) to `events`; `null` where that
   * stream is not a pipe (or, for 2, goes into stdout).
   */
  pipe(fd: 0 | 1 | 2, events: StreamEvents): HostStream | null;
  /** Sends `signal` (a name or a number) unless the child has exited. */
  signal(signal: string | number): void;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/** Starts a child process as `request` says. */
export function spawnChild(
  request: SpawnRequest,
  callbacks: ChildCallbacks,
): HostChild {
  const merge = request.stderr === "stdout";
  const stdio = [
    request.stdin,
    request.stdout,
    merge ? "pipe" : request.stderr,
  ] as ("pipe" | "ignore" | "inherit" | number)[];
  const child = spawn(request.file, request.args, {
    shell: request.shell,
    stdio,
    cwd: request.cwd,
    env: request.env,
  });
  let spawned = false;
  let exited = false;
  let holds = 0;
  // Deno's child has no handle to (un)ref when spawning failed.
  const reference = (on: boolean) => {
    if (!spawned) return;
    if (on) child.ref();
    else child.unref();
  };
  child.once("spawn", () => {
    spawned = true;
    if (holds === 0) reference(false);
    callbacks.spawned();
  });
  child.on("error", (error: Error) => {
    if (!spawned) callbacks.failed(describeError(error, request));
  });
  child.once("exit", (code: number | null, signal: string | null) => {
    exited = true;
    callbacks.exited(code ?? -signalNumber(signal));
  });
  return {
    get pid() {
      return child.pid ?? 0;
    },
    pipe: (fd, events) => pipeOf(child, fd, merge, events),
    signal: (signal) => {
      if (!exited && child.pid !== undefined) {
        child.kill(signal as NodeJS.Signals);
      }
    },
    hold: () => {
      if (holds++ === 0) reference(true);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holds === 0) reference(false);
      };
    },
  };
}

function pipeOf(
  child: ChildProcess,
  fd: 0 | 1 | 2,
  merge: boolean,
  events: StreamEvents,
): HostStream | null {
  const stream = child.stdio[fd] as Duplex | null;
  if (stream === null || stream === undefined) return null;
  if (fd === 2 && merge) return null;
  if (fd === 1 && merge) {
    return mergeStreams([stream, child.stdio[2] as Duplex], events);
  }
  return wrapStream(stream, events);
}

/**
 * Checks a signal to send: a known name such as `"SIGTERM"` or a signal
 * number. `TypeError` for another type, `RangeError` for an unknown one.
 */
export function checkSignalToSend(signal: unknown): string | number {
  if (typeof signal === "number") {
    if (!Number.isInteger(signal) || signal < 0) {
      throw new RangeError(
        `A signal number must be a non-negative integer, got ${signal}`,
      );
    }
    return signal;
  }
  if (typeof signal !== "string") {
    throw new TypeError(
      `A signal must be a name such as "SIGTERM" or a number, got ${typeof signal}`,
    );
  }
  if (!(signal in constants.signals)) {
    throw new RangeError(
      `Unknown signal ${JSON.stringify(signal)}: use a name such as "SIGTERM"`,
    );
  }
  return signal;
}

function signalNumber(signal: string | null): number {
  const signals = constants.signals as Record<string, number>;
  return signal === null ? 0 : signals[signal] ?? 0;
}

const REASONS: Record<string, string> = {
  ENOENT: "program not found",
  EACCES: "permission denied",
  ENOTDIR: "a part of the path is not a directory",
  E2BIG: "the argument list is too long",
};

/** The host's error with a message naming the program and the reason. */
function describeError(error: Error, request: SpawnRequest): Error {
  const code = (error as { code?: unknown }).code;
  let reason = typeof code === "string" && code in REASONS
    ? `${REASONS[code]} (${code})`
    : error.message;
  if (code === "ENOENT" && request.cwd !== undefined) {
    reason = `program or working directory not found (${code})`;
  }
  const described = new Error(
    `Cannot run ${JSON.stringify(request.file)}: ${reason}`,
    { cause: error },
  );
  return Object.assign(described, { code });
}
