/**
 * The program every pool worker runs: it receives jobs in batches, calls
 * their function one job at a time and posts back the result or the packed
 * error of each as soon as it ends.
 *
 * Workers do not load this file: they run `workerProgram`, a string built
 * from the sources of `workerMain` and the few self-contained helpers it
 * takes. So a worker starts from plain JavaScript whatever the build: no
 * `.ts`/`.js` file to find next to the package, nothing for Deno to type
 * check at every worker start (seconds under `deno test`). Anything these
 * functions need comes through their arguments, even `import()`, which
 * tsc would otherwise rewrite with a helper the worker does not have.
 *
 * @module
 */
import type { ParentChannel } from "../internal/worker_host.ts";
import { packThrown } from "./error_transport.ts";
import { trackJobSignals } from "./job_signal.ts";
import type {
  AbortMessage,
  ReplyMessage,
  RunMessage,
  WorkerSetup,
} from "./protocol.ts";
import { copyBuffer, move, scanMessage } from "./transfer.ts";
import { importJobModule } from "./module_import.ts";

/** The helpers a worker gets with `workerMain`, by their source. */
export interface WorkerTools {
  /** Packs errors for the trip back. */
  packThrown: typeof packThrown;
  /** Serves `jobSignal()`. */
  trackJobSignals: typeof trackJobSignals;
  /** Finds the buffers to move with a result. */
  scanMessage: typeof scanMessage;
  /** What a job calls to move a buffer. */
  move: typeof move;
  /** Copies a buffer returned as a result. */
  copyBuffer: typeof copyBuffer;
  /** Loads the module of a `{ module, name }` job. */
  importJobModule: typeof importJobModule;
}

/**
 * A worker's main loop. Self-contained (it uses only globals and its
 * arguments): workers run it from its source.
 */
export function workerMain(channel: ParentChannel, tools: WorkerTools): void {
  type Fn = (...args: unknown[]) => unknown;
  const setup = channel.data as WorkerSetup;
  const cells = new Int32Array(setup.cells);
  const signals = tools.trackJobSignals(
    new Int32Array(setup.cells, 4 * setup.cellIndex.aborted, 1),
    setup.signalKey,
  );
  /**
   * Jobs not started yet, from `head` on (`shift` is slow on Bun). Not the
   * library's `Deque`: this function runs from its source alone, and that
   * class's source reads a constant of its own module.
   */
  let waiting: RunMessage[] = [];
  let head = 0;
  let busy = false;
  /** Set once the pool's initializer failed: no job runs then. */
  let broken = false;
  /** Function bodies by id, kept even from jobs the host takes back. */
  const bodies = new Map<number, string>();
  const compiled = new Map<number, Fn>();
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  const isThenable = (value: unknown): value is PromiseLike<unknown> =>
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";

  const post = (message: ReplyMessage, transfer: ArrayBuffer[]) =>
    channel.post(message, transfer);

  const reply = (job: RunMessage, value: unknown): void => {
    done();
    if (
      value === null ||
      (typeof value !== "object" && typeof value !== "function" &&
        typeof value !== "symbol")
    ) {
      // Nothing to scan in a primitive.
      post({ id: job.id, value }, []);
      return;
    }
    const { moved, unsendable } = tools.scanMessage(value);
    try {
      if (unsendable !== undefined) {
        const kind = typeof unsendable === "object"
          ? unsendable!.constructor.name
          : typeof unsendable;
        throw new TypeError(`It holds a ${kind}, which cannot be cloned`);
      }
      // A buffer returned as it is: copied fast, then moved (see copyBuffer).
      const copy = moved.length === 0 ? tools.copyBuffer(value) : null;
      if (copy !== null) {
        const buffer = copy instanceof ArrayBuffer
          ? copy
          : (copy as ArrayBufferView).buffer as ArrayBuffer;
        post({ id: job.id, value: copy }, [buffer]);
      } else {
        post({ id: job.id, value }, moved);
      }
    } catch (error) {
      const problem = new TypeError(
        "The job's result cannot be sent back from the worker: " +
          `${(error as Error).message}. Return plain data`,
      );
      post({ id: job.id, thrown: tools.packThrown(problem) }, []);
    }
  };

  const fail = (job: RunMessage, error: unknown): void => {
    if (job.id === 0) broken = true;
    done();
    if (typeof job.fn === "number" && error instanceof ReferenceError) {
      error.message += " (a function sent to a worker has only its own " +
        "source: pass the value as an argument, or submit { module, name })";
    }
    post({ id: job.id, thrown: tools.packThrown(error) }, []);
  };

  const compile = (id: number): Fn => {
    let fn = compiled.get(id);
    if (fn === undefined) {
      fn = new Function("jobSignal", "move", bodies.get(id)!)(
        signals.signal,
        tools.move,
      ) as Fn;
      compiled.set(id, fn);
    }
    return fn;
  };

  const load = async (specifier: string, name: string): Promise<Fn> => {
    let module = modules.get(specifier);
    if (module === undefined) {
      module = tools.importJobModule(channel.importModule, specifier);
      modules.set(specifier, module);
    }
    const fn = (await module)[name];
    if (typeof fn !== "function") {
      throw new TypeError(
        `The module ${specifier} has no exported function named "${name}"`,
      );
    }
    return fn as Fn;
  };

  /** A job's `this`: what it may use without importing anything. */
  const context = {
    get signal() {
      return signals.signal();
    },
    move: tools.move,
  };

  const call = (fn: Fn, job: RunMessage): unknown => {
    if (!job.chunk) return fn.apply(context, job.args);
    return (async () => {
      const results = [];
      for (const args of job.args as unknown[][]) {
        results.push(await fn.apply(context, args));
      }
      return results;
    })();
  };

  const done = (): void => {
    signals.end();
    busy = false;
    queueMicrotask(next);
  };

  /** Starts the next waiting job, unless the host took it back. */
  const next = (): void => {
    while (!busy && !broken && head < waiting.length) {
      const job = waiting[head++];
      if (
        job.claim !== undefined &&
        Atomics.compareExchange(cells, job.claim, job.id, 0) !== job.id
      ) {
        continue;
      }
      run(job);
    }
    if (head === waiting.length) {
      waiting = [];
      head = 0;
    }
  };

  const run = (job: RunMessage): void => {
    busy = true;
    signals.start(job.id);
    try {
      const outcome = typeof job.fn === "number"
        ? call(compile(job.fn), job)
        : load(job.fn, job.code!).then((fn) => call(fn, job));
      if (isThenable(outcome)) {
        outcome.then((value) => reply(job, value), (e) => fail(job, e));
      } else {
        reply(job, outcome);
      }
    } catch (error) {
      fail(job, error);
    }
  };

  // The reply to job 0, the initializer's or this one, says the worker
  // started: the host knows a worker that dies before it from one that a
  // job killed.
  if (setup.init !== null) {
    const init = setup.init;
    if (typeof init.fn === "number") bodies.set(init.fn, init.code!);
    run(init);
  } else {
    post({ id: 0, value: null }, []);
  }

  channel.listen((message) => {
    if ("abort" in (message as object)) {
      signals.abort((message as AbortMessage).abort);
    } else {
      for (const job of message as RunMessage[]) {
        if (typeof job.fn === "number" && job.code !== undefined) {
          bodies.set(job.fn, job.code);
        }
        waiting.push(job);
      }
      next();
    }
  });
}

/**
 * The source of a function `(channel) => void` that runs `workerMain` with
 * its tools: what `startWorker` runs in each worker.
 */
export const workerProgram: string = `(channel) => (${workerMain})(channel, {
  packThrown: ${packThrown},
  trackJobSignals: ${trackJobSignals},
  scanMessage: ${scanMessage},
  move: ${move},
  copyBuffer: ${copyBuffer},
  importJobModule: ${importJobModule},
})`;
