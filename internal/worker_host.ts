/**
 * Worker threads behind one small interface, for both sides of the
 * channel. `node:worker_threads` is used on Deno, Bun and Node alike: it is
 * the only worker that all three can terminate while it is busy, and the
 * only one that can be unref'd on Deno (Deno's web `Worker` can do
 * neither: measured on Deno 2.9, Bun 1.4 and Node 20). Messages go through
 * a `MessageChannel` of the runtime's own, whose port the worker gets at
 * start: on Deno, the worker's `parentPort` copies a 1 MiB buffer in
 * 150–220 ms even when it is transferred, the channel moves it in under
 * 1 ms (as fast as Bun's and Node's, measured).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import {
  receiveMessageOnPort,
  type TransferListItem,
  Worker,
} from "node:worker_threads";
import { RUNTIME } from "./runtime.ts";

/** What the host side hears from a worker. */
export interface WorkerEvents {
  /** A message the worker posted. */
  message(data: unknown): void;
  /**
   * The worker is gone: `error` is the uncaught error that killed it, if
   * any, and `code` its exit code. Not called after `terminate()`.
   */
  exit(error: unknown, code: number): void;
}

/** A worker as the host side drives it. */
export interface WorkerHost {
  /** Posts `data`, moving the `transfer` buffers; throws if not cloneable. */
  post(data: unknown, transfer: ArrayBuffer[]): void;
  /** Lets the worker keep the process alive (it has work). */
  ref(): void;
  /** Stops the worker from keeping the process alive (it is idle). */
  unref(): void;
  /** Stops the worker, even in the middle of a job; settles once gone. */
  terminate(): Promise<void>;
}

/** Marks the message in which a dying worker says what killed it. */
const CRASH_KEY = "@aio/asyncio/worker-crash";

/**
 * What every worker loads: a small `data:` URL module that builds the
 * channel and runs the program it is given. So there is no worker file to
 * locate (the npm build cannot rewrite `new URL("./x.ts", import.meta.url)`),
 * nothing that Deno type-checks at each start (seconds under `deno test`),
 * and no build step can rewrite the program, which stays plain JavaScript.
 * `sourceURL` names the program in stack traces.
 *
 * An error nobody catches ends the worker, which first says what it was:
 * on Deno it would otherwise end the whole process.
 */
const BOOT = new URL(
  "data:text/javascript," + encodeURIComponent(`
import { workerData } from "node:worker_threads";
import process from "node:process";
const { main, name, data, port } = workerData;
const crash = (error) => {
  try {
    port.postMessage({ ${JSON.stringify(CRASH_KEY)}: error instanceof Error
      ? { name: String(error.name), message: String(error.message), stack: String(error.stack) }
      : { name: "Error", message: String(error) } });
  } finally {
    process.exit(1);
  }
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);
new Function("channel", "(" + main + ")(channel);\\n//# sourceURL=" + name)({
  data,
  post: (message, transfer) => port.postMessage(message, transfer),
  listen: (listener) => port.onmessage = (event) => listener(event.data),
  importModule: (specifier) => import(specifier),
});
`),
);

/** Memory limits of a worker, as `node:worker_threads` takes them. */
export interface ResourceLimits {
  /** The most memory (MB) for the main heap. */
  maxOldGenerationSizeMb?: number;
  /** The most memory (MB) for the heap of recently made objects. */
  maxYoungGenerationSizeMb?: number;
  /** The memory (MB) set aside for compiled code. */
  codeRangeSizeMb?: number;
  /** The largest stack (MB). */
  stackSizeMb?: number;
}

/** The keys of `ResourceLimits`. */
export const RESOURCE_LIMITS: readonly (keyof ResourceLimits)[] = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
];

/**
 * True if workers honour `ResourceLimits`: Node's do; Deno 2 and Bun 1
 * accept the option and ignore it (measured: a worker filling its heap
 * past the limit runs on).
 */
export const HONOURS_RESOURCE_LIMITS: boolean = RUNTIME === "node";

/**
 * Starts a worker that runs `main`, the source of a self-contained function
 * `(channel: ParentChannel) => void`, named `name` in stack traces; `data`
 * is its `channel.data`. A worker past its `limits` dies (with an error of
 * code `ERR_WORKER_OUT_OF_MEMORY`) where `HONOURS_RESOURCE_LIMITS`.
 *
 * `main` may still be loading (the worker program is imported with the
 * first worker, not with the package): the host can post at once, the
 * channel holds the messages until the worker starts, and a failed load
 * is the worker's death, with the load's error.
 */
export function startWorker(
  program: { main: Promise<string>; name: string; data: unknown },
  events: WorkerEvents,
  limits?: ResourceLimits,
): WorkerHost {
  const { port1: port, port2 } = new MessageChannel() as unknown as {
    port1: HostPort;
    port2: TransferListItem;
  };
  let worker: Worker | null = null;
  let refd = true;
  let failure: unknown = undefined;
  let terminated = false;
  const receive = (message: unknown) => {
    const crash = (message as Record<string, CrashReport> | null)?.[CRASH_KEY];
    if (crash === undefined) events.message(message);
    else failure = rebuildError(crash);
  };
  port.onmessage = (event) => receive(event.data);
  const started = program.main.then((main) => {
    if (terminated) return;
    worker = new Worker(BOOT, {
      workerData: { main, name: program.name, data: program.data, port: port2 },
      transferList: [port2],
      ...(limits === undefined ? {} : { resourceLimits: limits }),
    });
    if (!refd) worker.unref();
    worker.on("error", (error) => failure = error);
    worker.on("exit", (code) => {
      if (terminated) return;
      // What the worker posted before it died comes first.
      for (let left; (left = receiveMessageOnPort(port as never));) {
        receive(left.message);
      }
      port.close();
      events.exit(failure, code);
    });
  }).catch((error: unknown) => {
    if (terminated) return;
    port.close();
    events.exit(error, 1);
  });
  return {
    post: (message, transfer) => port.postMessage(message, transfer),
    ref: () => {
      refd = true;
      worker?.ref();
      port.ref?.();
    },
    unref: () => {
      refd = false;
      worker?.unref();
      port.unref?.();
    },
    terminate: async () => {
      terminated = true;
      port.close();
      await started;
      if (worker === null) return;
      // Held until gone, so that whoever awaits this is not left behind
      // by a process that exits first.
      worker.ref();
      await worker.terminate();
    },
  };
}

/** The host's end of a worker's channel, as every runtime has it. */
interface HostPort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  close(): void;
  /** Absent from the web standard; Deno, Bun and Node all have it. */
  ref?(): void;
  /** Absent from the web standard; Deno, Bun and Node all have it. */
  unref?(): void;
}

/** What killed a worker, as it travels. */
interface CrashReport {
  name: string;
  message: string;
  stack?: string;
}

function rebuildError({ name, message, stack }: CrashReport): Error {
  const error = new Error(message);
  error.name = name;
  if (stack !== undefined) error.stack = stack;
  return error;
}

/** How many jobs can run in parallel on this machine. */
export function cpuCount(): number {
  return Math.max(1, availableParallelism());
}

/** The worker side of the channel: what `main` gets in the worker. */
export interface ParentChannel {
  /** The `data` given to `startWorker`. */
  readonly data: unknown;
  /** Posts `message` to the host, moving the `transfer` buffers. */
  post(message: unknown, transfer: ArrayBuffer[]): void;
  /** Calls `listener` with every message from the host. */
  listen(listener: (message: unknown) => void): void;
  /** Imports a module by absolute URL or bare specifier. */
  importModule(specifier: string): Promise<Record<string, unknown>>;
}
