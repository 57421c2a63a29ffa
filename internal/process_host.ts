/**
 * Child processes of the host runtime: one adapter over
 * `node:child_process`, which Deno, Bun and Node all provide (measured:
 * arguments reach the program verbatim, `spawn`/`error`/`exit` events,
 * signals, pipes with back-pressure, ref/unref, `detached` as `setsid()`,
 * a connected `node:net` socket or a descriptor number as a child's
 * stdio). A child and its pipes start unreferenced and keep the process
 * alive only while held.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Duplex } from "node:stream";
import {
  type HostStream,
  type StreamEvents,
  wrapStream,
} from "./stream_host.ts";
import { checkSignal } from "./signals.ts";
import { checkInteger } from "./validate.ts";
import { errorCode } from "./errors.ts";

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
  /**
   * The child's stderr; `"stdout"` sends it wherever stdout goes: into
   * `output` when stdout is `"pipe"`.
   */
  stderr: StdioMode | "stdout";
  /**
   * The one channel stdout and stderr share, opened beforehand with
   * `openSharedOutput()`; required when stdout is `"pipe"` and stderr is
   * `"stdout"`, as `node:child_process` cannot give two fds one pipe.
   */
  output?: SharedOutput;
  /** Starts the child in a new session and process group (`setsid()`). */
  newSession?: boolean;
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
  const output = merge && request.stdout === "pipe"
    ? sharedOutputOf(request)
    : null;
  const stdout = output?.childEnd() ?? request.stdout;
  const stderr = output?.childEnd() ??
    (merge ? stderrLike(request.stdout) : request.stderr as StdioMode);
  let child: ChildProcess;
  try {
    child = spawn(request.file, request.args, {
      shell: request.shell,
      stdio: [request.stdin, stdout, stderr],
      cwd: request.cwd,
      env: request.env,
      detached: request.newSession === true,
    });
  } catch (error) {
    output?.close();
    // Node and Bun throw some system errors here (ENOTDIR, E2BIG).
    const code = errorCode(error);
    throw typeof code === "string" && /^E[A-Z0-9]+$/.test(code)
      ? describeError(error as Error, request)
      : error;
  }
  // The child holds its own copy now: the parent's would hide its EOF.
  output?.closeChildEnd();
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
    if (!spawned) {
      output?.close();
      callbacks.failed(describeError(error, request));
    }
  });
  child.once("exit", (code: number | null, signal: string | null) => {
    exited = true;
    callbacks.exited(code ?? -signalNumber(signal));
  });
  return {
    get pid() {
      return child.pid ?? 0;
    },
    pipe: (fd, events) => pipeOf(child, fd, merge, output, events),
    signal: (signal) => {
      if (exited || child.pid === undefined) return;
      // Not `child.kill()`: on Deno it also closes the child's pipes and
      // reports the signal as the exit even when the child handles it.
      try {
        process.kill(child.pid, signal);
      } catch (error) {
        // Gone, its exit not yet seen: as Python, nothing to signal.
        if (errorCode(error) !== "ESRCH") throw error;
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

function sharedOutputOf(request: SpawnRequest): SharedOutput {
  if (request.output === undefined) {
    throw new Error("A shared stdout and stderr needs openSharedOutput()");
  }
  return request.output;
}

/** Where stderr goes to follow a stdout that is not a pipe. */
function stderrLike(stdout: StdioMode): StdioMode {
  // A number is a descriptor of the parent: 1 is where stdout is inherited from.
  return stdout === "inherit" ? 1 : stdout;
}

function pipeOf(
  child: ChildProcess,
  fd: 0 | 1 | 2,
  merge: boolean,
  output: SharedOutput | null,
  events: StreamEvents,
): HostStream | null {
  if (fd === 2 && merge) return null;
  if (fd === 1 && output !== null) {
    return wrapStream(output.parentEnd(), events, { ownChunks: true });
  }
  const stream = child.stdio[fd] as Duplex | null;
  if (stream === null || stream === undefined) return null;
  return wrapStream(stream, events, { ownChunks: true, childStdin: fd === 0 });
}

/** How opening a shared output channel ends. */
export interface OpenCallbacks {
  /** The channel is ready to be given to a child. */
  opened(): void;
  /** It could not be made; the error says why. */
  failed(error: Error): void;
}

/**
 * Opens one channel for a child's stdout and stderr together, so that the
 * parent reads their bytes in the order the child wrote them. Deno, Bun
 * and Node cannot make an OS pipe, so it is a connected pair of Unix-domain
 * stream sockets (a socket in a fresh private directory, removed as soon
 * as the pair is connected): the child gets one end as fd 1 and fd 2, the
 * parent reads the other.
 */
export function openSharedOutput(callbacks: OpenCallbacks): SharedOutput {
  return new SharedOutput(callbacks);
}

function describeOpenError(error: Error): Error {
  const described = new Error(
    `Cannot open one channel for a child's stdout and stderr: ${error.message}`,
    { cause: error },
  );
  return Object.assign(described, { code: errorCode(error) });
}

/** A connected socket pair for a child's stdout and stderr. */
export class SharedOutput {
  readonly #callbacks: OpenCallbacks;
  #directory: string | null;
  #server: net.Server | null = net.createServer();
  #childEnd: net.Socket | null = null;
  #parentEnd: net.Socket | null = null;
  #holds = 0;
  #settled = false;

  constructor(callbacks: OpenCallbacks) {
    this.#callbacks = callbacks;
    try {
      this.#directory = mkdtempSync(join(tmpdir(), "aio-output-"));
    } catch (error) {
      throw describeOpenError(error as Error);
    }
    const path = join(this.#directory, "s");
    const server = this.#server!;
    server.on("error", (error: Error) => this.#fail(error));
    server.once("connection", (socket: net.Socket) => {
      this.#parentEnd = this.#referenced(socket);
      socket.on("error", () => {});
      this.#ready();
    });
    server.listen(path, () => {
      const socket = net.connect(path);
      this.#childEnd = this.#referenced(socket);
      socket.on("error", (error: Error) => this.#fail(error));
      socket.once("connect", () => this.#ready());
    });
    this.#referenced(server);
  }

  /** The end the child writes to; for `spawn`'s stdio. */
  childEnd(): net.Socket {
    return this.#childEnd!;
  }

  /** Closes the parent's copy of the child's end, once it is spawned. */
  closeChildEnd(): void {
    this.#childEnd?.destroy();
    this.#childEnd = null;
  }

  /** The end the parent reads from. */
  parentEnd(): net.Socket {
    return this.#parentEnd!;
  }

  /** Keeps the process alive while the channel is being opened. */
  hold(): () => void {
    if (this.#holds++ === 0) this.#reference(true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0) this.#reference(false);
    };
  }

  /** Closes both ends and removes what is left on disk. */
  close(): void {
    this.#settled = true;
    this.#childEnd?.destroy();
    this.#parentEnd?.destroy();
    this.#childEnd = this.#parentEnd = null;
    this.#cleanUp();
  }

  #ready(): void {
    const connected = this.#childEnd !== null && this.#parentEnd !== null &&
      !this.#childEnd.connecting;
    if (this.#settled || !connected) return;
    this.#settled = true;
    this.#cleanUp();
    this.#callbacks.opened();
  }

  #fail(error: Error): void {
    if (this.#settled) return;
    this.close();
    this.#callbacks.failed(describeOpenError(error));
  }

  #cleanUp(): void {
    this.#server?.close();
    this.#server = null;
    if (this.#directory !== null) {
      rmSync(this.#directory, { recursive: true, force: true });
      this.#directory = null;
    }
  }

  #referenced<T extends net.Server | net.Socket>(handle: T): T {
    if (this.#holds === 0) handle.unref();
    return handle;
  }

  #reference(on: boolean): void {
    for (const handle of [this.#server, this.#childEnd, this.#parentEnd]) {
      if (on) handle?.ref();
      else handle?.unref();
    }
  }
}

/**
 * Checks a signal to send: a known name such as `"SIGTERM"` or a signal
 * number. `TypeError` for another type, `RangeError` for an unknown one.
 */
export function checkSignalToSend(signal: unknown): string | number {
  if (typeof signal === "number") {
    return checkInteger(signal, "A signal number", 0);
  }
  if (typeof signal !== "string") {
    throw new TypeError(
      `A signal must be a name such as "SIGTERM" or a number, got ${typeof signal}`,
    );
  }
  return checkSignal(signal);
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
  const code = errorCode(error);
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
