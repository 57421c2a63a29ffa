/**
 * `EventLoop`: the one owner of scheduling. A FIFO ready queue and a timer
 * heap; the host runtime only wakes it.
 *
 * @module
 */
import { RuntimeError, TimeoutError } from "../internal/errors.ts";
import {
  type CallbackContext,
  callbackOwner,
  captureContext,
  type ContextOwner,
  currentOwner,
  runAs,
} from "../internal/context.ts";
import {
  armTimer,
  ENTER_BY_REACTION,
  nextTurn,
  watchHostIdle,
} from "../internal/host.ts";
import { canBeWoken, clockHeld } from "../internal/real_world.ts";
import { MinHeap } from "../internal/heap.ts";
import { checkSignal, listen } from "../internal/signals.ts";
import { forgetSteps, stepsRunning, whenStepsEnd } from "../internal/steps.ts";
import { reportUnretrieved } from "../internal/unretrieved.ts";
import {
  checkDelay,
  checkFunction,
  checkOptions,
  describe,
} from "../internal/validate.ts";
import { Future } from "../tasks/future.ts";
import { formatCallGraph } from "../tasks/call_graph.ts";
import { waitFor } from "../tasks/wait_for.ts";
import {
  recordCreationSite,
  sourceTraceback,
  wantCreationSites,
} from "../tasks/creation_site.ts";
import { takeSteps, traceSteps } from "../tasks/step_trace.ts";
import { type Awaitable, ensureFuture } from "../tasks/ensure_future.ts";
import { wrapFuture } from "../tasks/wrap_future.ts";
import { readEnv } from "../internal/env.ts";
import {
  checkCoroutineFunction,
  type CoroutineFunction,
  type NewTaskOptions,
  Task,
  TASK_OPTIONS,
  type TaskOptions,
} from "../tasks/task.ts";
import type {
  AbstractEventLoop,
  ExceptionContext,
} from "./abstract_event_loop.ts";
import { formatReport } from "./format_report.ts";
import { Handle, type HandleOwner, TimerHandle } from "./handle.ts";
import { internals } from "./_internals.ts";
import { isCall, type ReadyEntry, ReadyQueue } from "./ready_queue.ts";
import { reportPendingTasks, reportSlowCallback } from "./debug.ts";
import {
  type AddrInfo,
  getaddrinfo,
  type GetaddrinfoOptions,
  getnameinfo,
} from "./names.ts";
import type { SockAddr } from "./net_checks.ts";
import {
  createDatagramEndpoint,
  type DatagramEndpointOptions,
  type DatagramProtocolLike,
  type DatagramTransport,
} from "./datagram.ts";
import {
  connectReadPipe,
  connectWritePipe,
  type PipeProtocolLike,
  type ReadPipeTransport,
  type WritePipeTransport,
} from "./pipes.ts";
import { closeLoopResources } from "../internal/loop_resources.ts";
import { OnFirstUse } from "./on_first_use.ts";
import type {
  ConnectAcceptedSocketOptions,
  CreateConnectionOptions,
  CreateUnixConnectionOptions,
  StartTlsOptions,
} from "./create_connection.ts";
import type {
  CreateServerOptions,
  CreateUnixServerOptions,
} from "./create_server.ts";
import type { StreamProtocol } from "./protocols.ts";
import type { Server } from "./server.ts";
import type { SSLContext } from "./tls.ts";
import type { Transport } from "./transports.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/** What `setExceptionHandler` takes: called as `handler(loop, context)`. */
export type ExceptionHandler = (
  loop: EventLoop,
  context: ExceptionContext,
) => void;

/** What `setTaskFactory` takes: builds the task for `loop.createTask`. */
export type TaskFactory = <T>(
  loop: EventLoop,
  fn: CoroutineFunction<T>,
  options: TaskOptions,
) => Task<T>;

/** An executor as `runInExecutor` uses it (see `./executor`). */
export interface Executor {
  /** Runs `fn(...args)` in the executor; the future holds its result. */
  // deno-lint-ignore no-explicit-any
  submit(fn: any, ...args: any[]): Future<any>;
  /** Stops the executor; with `wait`, once its workers are gone. */
  shutdown(
    options?: { wait?: boolean; cancelFutures?: boolean },
  ): Promise<void>;
}

let defaultExecutorFactory: (() => Executor) | null = null;

/** Lets `./executor` provide the default executor of every loop. */
export function setDefaultExecutorFactory(factory: () => Executor): void {
  defaultExecutorFactory = factory;
}

/** Connections and servers: loaded by the first program that makes one. */
const connections = new OnFirstUse(() => import("./create_connection.ts"));
const servers = new OnFirstUse(() => import("./create_server.ts"));

/** The class of every `async function`, for the debug-mode check. */
const AsyncFunction = (async () => {}).constructor;

const heapOrder = (a: TimerHandle, b: TimerHandle): boolean =>
  a.when() < b.when() || (a.when() === b.when() && a.sequence < b.sequence);

/** The longest the loop runs busy iterations before the host gets a turn. */
const HOST_TURN_MS = 1;

/** What a wait with nothing to disarm returns. */
const NOTHING = (): void => {};

/** Where the loop's microtask hops begin. */
const RESOLVED = Promise.resolve();

/** Receives the resolving function of the reaction `#armReaction` builds. */
let opener: (() => void) | null = null;
function keepOpener(resolve: () => void): void {
  opener = resolve;
}

/** A heap this large, more than half cancelled, is rebuilt (as CPython). */
const MIN_HEAP_TO_PRUNE = 100;

/**
 * An asyncio event loop. Callbacks run only while the loop runs
 * (`runForever`, `runUntilComplete`): `callSoon` callbacks in FIFO order,
 * then timers by deadline, ties in scheduling order. Between iterations the
 * loop hands control back to the host, so host I/O is never starved.
 *
 * @example Scheduling callbacks
 * ```ts
 * import { newEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const order: string[] = [];
 * loop.callLater(0.02, () => { order.push("later"); loop.stop(); });
 * loop.callSoon(() => order.push("soon 1"));
 * loop.callSoon(() => order.push("soon 2"));
 * await loop.runForever();
 * loop.close();
 * assert.deepEqual(order, ["soon 1", "soon 2", "later"]);
 * ```
 */
export class EventLoop implements AbstractEventLoop {
  readonly #ready = new ReadyQueue();

  // The library's own scheduling works on any loop: an `EventLoop` (or a
  // subclass) takes the fast path, any other loop its public calls.
  static {
    internals.callSoon = (loop, callback, arg) => {
      if (#ready in loop) loop.#callSoon(callback, arg);
      else loop.callSoon(callback, arg);
    };
    internals.callAt = (loop, when, callback, ...args) =>
      #ready in loop
        ? loop.#schedule(when, callback, args, null)
        : when === null
        ? loop.callSoon(callback, ...args)
        : loop.callAt(when, callback, ...args);
    internals.callSoonFromHost = (loop, callback, arg) => {
      if (#ready in loop) loop.#callSoon(callback, arg, false);
      else loop.callSoon(callback, arg);
    };
    internals.hasReadyCallbacks = (loop) => loop.#ready.size > 0;
  }
  readonly #timers = new MinHeap<TimerHandle>(heapOrder);
  #timerSequence = 0;
  #cancelledTimers = 0;
  #running = false;
  #stopping = false;
  #closed = false;
  #debug = false;
  /** True while the loop waits for the host: anything scheduled wakes it. */
  #idling = false;
  /** Disarms what the loop waits on while idle. */
  #stopWaiting: () => void = NOTHING;
  /** Settles `runForever`'s wait once the loop stops, or fails. */
  #finished: ((error?: unknown) => void) | null = null;
  /** When the host gets its next turn, however busy the loop is. */
  #handBackAt = 0;
  /** Where reactions are used to enter the loop: resolves the one armed. */
  #openReaction: (() => void) | null = null;
  /** What the armed reaction does: an iteration, or the end of a batch. */
  #reactionEndsBatch = false;
  #exceptionHandler: ExceptionHandler | null = null;
  #taskFactory: TaskFactory | null = null;
  /** The options of a plain `createTask`, made once: tasks are hot. */
  readonly #onThisLoop: NewTaskOptions = taskInternals.checkedTaskOptions(this);
  #defaultExecutor: Executor | null = null;
  /** Set by `shutdownDefaultExecutor`: the default executor is no more. */
  #executorShutDown = false;
  readonly #signalListeners = new Map<string, () => void>();
  /** Set when the loop stopped because nothing could wake it again. */
  #deadlock: RuntimeError | null = null;
  /** A host turn is asked for, to end waits on steps that wait on foreign work. */
  #drainCheckArmed = false;
  /** Ready-queue entries the batch that runs now has still to take. */
  #batchLeft = 0;
  /** In debug mode: the callback whose step runs now, and when it began. */
  #slowEntry: ReadyEntry | undefined = undefined;
  #slowArg: unknown = undefined;
  #slowStart = 0;
  readonly #context: ContextOwner = callbackOwner(this);
  /** What the loop's handles report to: cancelled timers are counted. */
  readonly #handleOwner: HandleOwner = {
    callExceptionHandler: (context) =>
      this.callExceptionHandler(context as ExceptionContext),
    timerHandleCancelled: () => {
      this.#cancelledTimers++;
    },
  };

  /** A new loop, in debug mode when `AIO_DEBUG=1` is set, as asyncio's. */
  constructor() {
    if (readEnv("AIO_DEBUG") === "1") this.setDebug(true);
  }

  /**
   * In debug mode, callbacks and task steps that take longer than this
   * many seconds are reported.
   */
  slowCallbackDuration = 0.1;

  /** The loop's clock: monotonic seconds. */
  time(): number {
    return performance.now() / 1000;
  }

  // -- scheduling ----------------------------------------------------------

  /**
   * Schedules `callback(...args)` for the next iteration (FIFO), to run in
   * the `AsyncLocalStorage` context of this call.
   */
  callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    this.#checkCallback(callback, "callSoon()");
    return this.#schedule(null, callback, args, captureContext(this.#context));
  }

  /**
   * A callback must be a function; in debug mode (or with `refuseAsync`), not
   * an async one, whose promise nobody would await (asyncio refuses a
   * coroutine function there).
   */
  #checkCallback(
    callback: unknown,
    api: string,
    refuseAsync = this.#debug,
  ): void {
    checkFunction(callback, "The callback");
    if (refuseAsync && callback instanceof AsyncFunction) {
      throw new TypeError(
        `Async functions cannot be used with ${api}: the loop would not ` +
          "await the promise; use createTask() instead",
      );
    }
  }

  /** As `callSoon(callback, arg)`, without a handle or a context copy. */
  #callSoon<T>(
    callback: (arg: T) => unknown,
    arg: T,
    fromStep = true,
  ): void {
    this.#checkOpen();
    this.#ready.addCall(callback, arg);
    if (!this.#idling) return;
    // A host callback is a host turn of its own, outside any step: the
    // loop runs the batch right here, with no turn in between (on Deno a
    // microtask later, through a reaction: \`ENTER_BY_REACTION\`).
    if (fromStep || stepsRunning()) this.#wakeUp();
    else this.#wakeNow();
  }

  /**
   * Schedules `callback(...args)` after `delay` seconds; a negative delay
   * acts as 0.
   */
  callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    checkDelay(delay, "The delay");
    return this.callAt(this.time() + delay, callback, ...args);
  }

  /**
   * Schedules `callback(...args)` at loop time `when` (seconds), to run in
   * the `AsyncLocalStorage` context of this call.
   */
  callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    checkDelay(when, "The deadline");
    this.#checkCallback(callback, "callAt()");
    const context = captureContext(this.#context);
    return this.#schedule(when, callback, args, context) as TimerHandle;
  }

  #schedule(
    when: number | null,
    callback: (...args: never[]) => unknown,
    args: readonly unknown[],
    context: CallbackContext | null,
  ): Handle {
    this.#checkOpen();
    let handle: Handle;
    if (when === null) {
      handle = new Handle(callback, args, this.#handleOwner, context);
      this.#ready.addHandle(handle);
    } else {
      const sequence = this.#timerSequence++;
      handle = new TimerHandle(
        when,
        sequence,
        callback,
        args,
        this.#handleOwner,
        context,
      );
      this.#timers.push(handle as TimerHandle);
    }
    if (this.#debug) recordCreationSite(handle);
    if (this.#idling) this.#wakeUp();
    return handle;
  }

  /** A new pending future on this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>(this);
  }

  /**
   * Wraps the async function `fn` in a task scheduled on this loop, through
   * the task factory if one is set.
   */
  createTask<T>(
    fn: CoroutineFunction<T>,
    options?: TaskOptions,
  ): Task<T> {
    checkCoroutineFunction(fn, "createTask()");
    checkOptions<TaskOptions>(options, "createTask()", TASK_OPTIONS);
    this.#checkOpen();
    if (this.#taskFactory !== null) {
      const task = this.#taskFactory(this, fn, options ?? {});
      // As asyncio: the name holds whether or not the factory used it.
      if (options?.name != null) task.setName(options.name);
      return task;
    }
    if (options == null) return new Task(fn, this.#onThisLoop);
    return new Task(fn, taskInternals.checkedTaskOptions(this, options));
  }

  /** Sets the factory used by `createTask`; `null` restores the default. */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null) checkFunction(factory, "The task factory");
    this.#taskFactory = factory;
  }

  /** The task factory, or `null`. */
  getTaskFactory(): TaskFactory | null {
    return this.#taskFactory;
  }

  // -- running -------------------------------------------------------------

  /**
   * Runs until `stop()` is called. A `RuntimeError` if the loop is closed
   * or already running.
   */
  async runForever(): Promise<void> {
    this.#checkCanRun();
    this.#running = true;
    try {
      await runAs(this.#context, () => this.#loop());
    } finally {
      this.#running = false;
      this.#stopping = false;
    }
  }

  /**
   * Runs until `future` is done and returns its result (or throws its
   * error). `future` may be a Future, any awaitable, or an async function,
   * which becomes a task.
   */
  async runUntilComplete<T>(future: Awaitable<T>): Promise<T> {
    this.#checkCanRun();
    const target = ensureFuture(future, this);
    const stop = () => this.stop();
    taskInternals.onDone(target, stop);
    try {
      await this.runForever();
    } finally {
      target.removeDoneCallback(stop);
    }
    const deadlock = this.#deadlock;
    this.#deadlock = null;
    if (!target.done()) {
      throw deadlock ??
        new RuntimeError("Event loop stopped before the future completed");
    }
    return target.result();
  }

  /** Stops the loop after the current batch of callbacks. */
  stop(): void {
    this.#stopping = true;
    if (this.#idling) this.#wakeUp();
  }

  /** True while the loop runs. */
  isRunning(): boolean {
    return this.#running;
  }

  /** True once the loop is closed. */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the loop: pending callbacks are dropped, unretrieved errors are
   * reported, the default executor is shut down without waiting. A
   * `RuntimeError` while running; harmless twice.
   */
  close(): void {
    if (this.#running) {
      throw new RuntimeError("Cannot close a running event loop");
    }
    if (this.#closed) return;
    reportUnretrieved(this);
    reportPendingTasks(this);
    taskInternals.forgetTasksOf(this);
    closeLoopResources(this);
    this.#closed = true;
    this.#ready.clear();
    this.#timers.clear();
    for (const stop of this.#signalListeners.values()) stop();
    this.#signalListeners.clear();
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = null;
    executor?.shutdown({ wait: false }).catch(() => {});
  }

  // -- executors -----------------------------------------------------------

  /**
   * Runs `fn(...args)` in `executor`, or in the default executor when it is
   * `null`, and returns a future of this loop for its result. After
   * `shutdownDefaultExecutor()`, the default executor is a `RuntimeError`,
   * as in asyncio.
   */
  runInExecutor<A extends unknown[], R>(
    executor: Executor | null,
    fn: ((...args: A) => R) | { module: URL | string; name: string },
    ...args: A
  ): Future<Awaited<R>> {
    this.#checkOpen();
    if (executor === null) {
      if (this.#executorShutDown) {
        throw new RuntimeError("Executor shutdown has been called");
      }
      if (this.#defaultExecutor === null) {
        if (defaultExecutorFactory === null) {
          throw new RuntimeError(
            "No default executor: pass one, use toThread(), or import " +
              '"@aio/asyncio/executor"',
          );
        }
        this.#defaultExecutor = defaultExecutorFactory();
      }
      executor = this.#defaultExecutor;
    }
    // A pool's job outside a running loop belongs to the pool's own loop.
    return wrapFuture(executor.submit(fn, ...args), this);
  }

  /** Replaces the default executor used by `runInExecutor(null, ...)`. */
  setDefaultExecutor(executor: Executor): void {
    if (
      typeof executor !== "object" || executor === null ||
      typeof executor.submit !== "function"
    ) {
      throw new TypeError(
        `The default executor must have a submit() method, got ${
          describe(executor)
        }`,
      );
    }
    this.#defaultExecutor = executor;
  }

  /**
   * Shuts the default executor down and waits until its running jobs end
   * and its workers are gone, as asyncio's `shutdown_default_executor`.
   * After `timeout` seconds (none when omitted or null) it warns and lets
   * the workers go without waiting: `run()` waits 300 seconds, as
   * `asyncio.run()` does, so a job that never ends cannot hold it forever.
   */
  async shutdownDefaultExecutor(timeout: number | null = null): Promise<void> {
    if (timeout !== null) checkDelay(timeout, "The timeout");
    this.#executorShutDown = true;
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = null;
    if (executor === null) return;
    const shutdown = executor.shutdown({ wait: true });
    if (timeout === null) return await shutdown;
    try {
      await waitFor(shutdown, timeout);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      console.warn(
        "The default executor's jobs did not end within " +
          `${timeout} seconds: its workers are let go`,
      );
      await executor.shutdown({ wait: false });
    }
  }

  // -- networking ----------------------------------------------------------

  /**
   * Resolves `host` and `port` with the system's resolver (so
   * `/etc/hosts` counts), as asyncio's `loop.getaddrinfo`: a list of
   * `[family, type, proto, canonname, sockaddr]` tuples as Python's
   * `socket.getaddrinfo` gives them on Linux, numbers included (`AF_INET`
   * is 2, `AF_INET6` 10, ...), `sockaddr` being `[host, port]` for IPv4
   * and `[host, port, flowinfo, scopeId]` for IPv6. A `null` host is the
   * loopback addresses, or with `AI_PASSIVE` the wildcard ones. Options:
   * `family`, `type` (0: stream, datagram and raw, as glibc lists them),
   * `proto`, `flags` (`AI_*`). A failure is an `Error` whose message
   * names the host and whose `code` is the system's (`"ENOTFOUND"`).
   * Differences: a port must be a number or a numeric string (service
   * names are not looked up), and `AI_CANONNAME` gives the name as asked,
   * not its CNAME target. The result is a future of this loop: awaiting it
   * is cancellable (the lookup's late answer is dropped).
   *
   * @example Resolving an address
   * ```ts
   * import { AF_INET, getRunningLoop, run, SOCK_STREAM } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const infos = await run(() =>
   *   getRunningLoop().getaddrinfo("127.0.0.1", 80, { type: SOCK_STREAM })
   * );
   * assert.deepEqual(infos, [[AF_INET, SOCK_STREAM, 6, "", ["127.0.0.1", 80]]]);
   * ```
   */
  getaddrinfo(
    host: string | null,
    port: number | string | null,
    options?: GetaddrinfoOptions,
  ): Future<AddrInfo[]> {
    return getaddrinfo(this, host, port, options);
  }

  /**
   * The host name and service name of a numeric socket address, as
   * asyncio's `loop.getnameinfo` (Python's `socket.getnameinfo`); `flags`
   * are `NI_*`. An address without a name gives the address itself,
   * unless `NI_NAMEREQD` asks for a failure.
   *
   * @example Numeric host and service
   * ```ts
   * import { getRunningLoop, NI_NUMERICHOST, NI_NUMERICSERV, run } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const [host, service] = await run(() =>
   *   getRunningLoop().getnameinfo(["127.0.0.1", 8080], NI_NUMERICHOST | NI_NUMERICSERV)
   * );
   * assert.deepEqual([host, service], ["127.0.0.1", "8080"]);
   * ```
   */
  getnameinfo(
    sockaddr: SockAddr,
    flags = 0,
  ): Future<[host: string, service: string]> {
    return getnameinfo(this, sockaddr, flags);
  }

  /**
   * Opens a UDP endpoint, as asyncio's `loop.create_datagram_endpoint`,
   * and returns `[transport, protocol]` once the protocol's
   * `connectionMade` has run. Options: `localAddr` (`[host, port]` to
   * bind), `remoteAddr` (the peer: the socket is connected to it),
   * `family`, `proto`, `flags`, `reusePort` (Bun, and Node from 22.12;
   * elsewhere a `RangeError`), `allowBroadcast`. Without `localAddr` the
   * socket is bound to the wildcard address on a free port. Every
   * protocol call comes from the loop, in the order of the events.
   *
   * @example A request and its answer
   * ```ts
   * import { type DatagramTransport, getRunningLoop, run, type SockAddr } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const answer = await run(async () => {
   *   const loop = getRunningLoop();
   *   let transport: DatagramTransport | null = null;
   *   const [server] = await loop.createDatagramEndpoint(() => ({
   *     connectionMade: (t: DatagramTransport) => { transport = t; },
   *     datagramReceived: (data: Uint8Array, addr: SockAddr) => {
   *       transport!.sendto(data.reverse(), addr);
   *     },
   *   }), { localAddr: ["127.0.0.1", 0] });
   *   const reply = loop.createFuture<Uint8Array>();
   *   const [client] = await loop.createDatagramEndpoint(
   *     () => ({ datagramReceived: (data: Uint8Array) => reply.setResult(data) }),
   *     { remoteAddr: server.getExtraInfo("sockname") as [string, number] },
   *   );
   *   client.sendto(new Uint8Array([1, 2, 3]));
   *   const data = await reply;
   *   client.close();
   *   server.close();
   *   return [...data];
   * });
   * assert.deepEqual(answer, [3, 2, 1]);
   * ```
   */
  createDatagramEndpoint<P extends DatagramProtocolLike>(
    protocolFactory: () => P,
    options?: DatagramEndpointOptions,
  ): Promise<[DatagramTransport, P]> {
    return createDatagramEndpoint(this, protocolFactory, options);
  }

  /**
   * Connects a pipe this process reads (a readable `node:stream` stream
   * such as `process.stdin`, or a file descriptor) to a protocol, as
   * asyncio's `loop.connect_read_pipe`: `connectionMade`, then
   * `dataReceived` for each chunk, `eofReceived` and `connectionLost`,
   * each from the loop. Returns `[transport, protocol]` once
   * `connectionMade` has run.
   *
   * @example Reading a stream
   * ```ts
   * import { getRunningLoop, run } from "@aio/asyncio/loop";
   * import { Readable } from "node:stream";
   * import assert from "node:assert/strict";
   *
   * const text = await run(async () => {
   *   const loop = getRunningLoop();
   *   let text = "";
   *   const lost = loop.createFuture();
   *   await loop.connectReadPipe(() => ({
   *     dataReceived: (data: Uint8Array) => text += new TextDecoder().decode(data),
   *     connectionLost: () => lost.setResult(null),
   *   }), Readable.from([new TextEncoder().encode("piped")]));
   *   await lost;
   *   return text;
   * });
   * assert.equal(text, "piped");
   * ```
   */
  connectReadPipe<P extends PipeProtocolLike>(
    protocolFactory: () => P,
    pipe: unknown,
  ): Promise<[ReadPipeTransport, P]> {
    return connectReadPipe(this, protocolFactory, pipe);
  }

  /**
   * Connects a pipe this process writes (a writable `node:stream` stream
   * such as `process.stdout`, or a file descriptor) to a protocol, as
   * asyncio's `loop.connect_write_pipe`; the transport's write buffer
   * calls the protocol's `pauseWriting`/`resumeWriting` at its water
   * marks. Returns `[transport, protocol]` once `connectionMade` has run.
   *
   * @example Writing a stream
   * ```ts
   * import { getRunningLoop, run } from "@aio/asyncio/loop";
   * import { PassThrough } from "node:stream";
   * import assert from "node:assert/strict";
   *
   * const pipe = new PassThrough();
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   const lost = loop.createFuture();
   *   const [transport] = await loop.connectWritePipe(
   *     () => ({ connectionLost: () => lost.setResult(null) }),
   *     pipe,
   *   );
   *   transport.write(new TextEncoder().encode("written"));
   *   transport.close();
   *   await lost;
   * });
   * assert.equal(String(pipe.read()), "written");
   * ```
   */
  connectWritePipe<P extends PipeProtocolLike>(
    protocolFactory: () => P,
    pipe: unknown,
  ): Promise<[WritePipeTransport, P]> {
    return connectWritePipe(this, protocolFactory, pipe);
  }

  // -- errors and debugging ------------------------------------------------

  /** Sets the handler for errors nobody else handles; `null` for default. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null) checkFunction(handler, "The exception handler");
    this.#exceptionHandler = handler;
  }

  /** The exception handler, or `null` for the default. */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /** Reports `context` to the exception handler; never throws. */
  callExceptionHandler(context: ExceptionContext): void {
    if (this.#debug && context.handle instanceof Handle) {
      const site = sourceTraceback(context.handle);
      if (site !== undefined) context = { ...context, sourceTraceback: site };
    }
    const handler = this.#exceptionHandler;
    if (handler !== null) {
      try {
        handler(this, context);
        return;
      } catch (exception) {
        context = {
          message: "Unhandled error in exception handler",
          exception,
          context,
        };
      }
    }
    try {
      this.defaultExceptionHandler(context);
    } catch (error) {
      // Reporting must never break the loop, nor be lost (a subclass may
      // override the default handler).
      console.error(
        handler === null
          ? "Exception in default exception handler"
          : "Exception in default exception handler while handling an " +
            "unexpected error in custom exception handler",
        error,
      );
    }
  }

  /**
   * Logs `context` to the console, as CPython logs it: each value readable,
   * an error group as a tree of its sub-errors.
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    console.error(formatReport(context));
  }

  /**
   * Turns debug mode on or off. In debug mode futures and tasks record where
   * they were created, callbacks and task steps slower than
   * `slowCallbackDuration` are reported, and tasks still pending when the
   * loop closes are reported.
   */
  setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
    if (this.#debug) wantCreationSites();
  }

  /** True in debug mode. */
  getDebug(): boolean {
    return this.#debug;
  }

  // -- signals -------------------------------------------------------------

  /**
   * Calls `callback(...args)` on the loop whenever `signal` (a name such as
   * `"SIGINT"`) arrives; replaces an earlier handler for it. An unknown name
   * is a `RangeError`, an async function a `TypeError`, and a signal that
   * cannot be caught (`"SIGKILL"`) or a worker thread a `RuntimeError`.
   */
  addSignalHandler<A extends unknown[]>(
    signal: string,
    callback: (...args: A) => unknown,
    ...args: A
  ): void {
    this.#checkCallback(callback, "addSignalHandler()", true);
    checkSignal(signal);
    this.#checkOpen();
    const context = captureContext(this.#context);
    const stop = listen(signal, () => {
      if (!this.#closed) this.#schedule(null, callback, args, context);
    });
    this.removeSignalHandler(signal);
    this.#signalListeners.set(signal, stop);
  }

  /** Removes the handler for `signal`; returns whether there was one. */
  removeSignalHandler(signal: string): boolean {
    checkSignal(signal);
    const stop = this.#signalListeners.get(signal);
    if (stop === undefined) return false;
    stop();
    this.#signalListeners.delete(signal);
    return true;
  }

  // -- for subclasses and handles ------------------------------------------

  /**
   * Waits for the host until loop time `deadline` (or indefinitely when
   * `null`) and then calls `wake`; returns a function that disarms the wait.
   * The loop also wakes early when a callback is scheduled. Alternative
   * loops override this to change how time passes.
   */
  protected waitForHost(deadline: number | null, wake: () => void): () => void {
    if (deadline === null) return NOTHING;
    const timer = armTimer(Math.ceil((deadline - this.time()) * 1000), wake);
    return () => timer.clear();
  }

  /**
   * Runs iterations until `stop()`. It is driven by callbacks, not by an
   * async function: an iteration that a host callback starts runs inside
   * that callback (on Deno a microtask later, `ENTER_BY_REACTION`), and
   * one whose batch ends with nothing ready arms the
   * wait for the host at once, so a chunk of bytes costs the loop no
   * promise.
   */
  #loop(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#finished = (error?: unknown) => {
        this.#finished = null;
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#handBackAt = performance.now() + HOST_TURN_MS;
      this.#armReaction();
      this.#iterate();
    });
  }

  /** One iteration: due timers join the ready queue, then one batch runs. */
  readonly #iterate = (): void => {
    const timers = this.#timers;
    if (
      timers.size > MIN_HEAP_TO_PRUNE &&
      this.#cancelledTimers * 2 > timers.size
    ) {
      timers.retain((handle) => !handle.cancelled());
      this.#cancelledTimers = 0;
    }
    if (timers.size > 0) {
      const now = this.time();
      let next = timers.peek();
      while (next !== undefined && (next.cancelled() || next.when() <= now)) {
        timers.pop();
        if (!next.cancelled()) this.#ready.addHandle(next);
        next = timers.peek();
      }
    }
    // What is ready now runs; what it schedules waits for the next batch.
    this.#batchLeft = this.#ready.size;
    if (this.#runBatch()) this.#batchDone();
  };

  /** `#iterate` in the loop's own context, from a host callback or turn. */
  readonly #iterateFromHost = (): void => {
    this.#handBackAt = performance.now() + HOST_TURN_MS;
    this.#iterateInContext();
  };

  /**
   * `#iterateFromHost` a microtask into a host turn: on Deno a batch run
   * straight from a `setImmediate` callback ran several times slower than
   * one run from a microtask (25,000 callbacks: 71 against 11 ms).
   */
  readonly #iterateAfterTurn = (): void => {
    RESOLVED.then(this.#iterateFromHost);
  };

  /**
   * Runs `#iterate` in the loop's own context, switching only if needed;
   * also the next of several busy batches, a microtask later.
   */
  readonly #iterateInContext = (): void => {
    try {
      if (currentOwner() === this.#context) this.#iterate();
      else runAs(this.#context, this.#iterate);
    } catch (error) {
      // The loop's own machinery failed: `runForever` rejects, as it did
      // when the loop was an async function.
      this.#finished?.(error);
    }
  };

  /**
   * Registers the reaction that enters the loop in its own context, for
   * free: the end of a batch that a step's end finished resolves it, and
   * so does a host callback where `ENTER_BY_REACTION`. Called in the
   * loop's own context, which the reaction keeps.
   */
  #armReaction(): void {
    new Promise<void>(keepOpener).then(this.#iterateByReaction);
    this.#openReaction = opener;
  }

  readonly #iterateByReaction = (): void => {
    this.#armReaction();
    const endsBatch = this.#reactionEndsBatch;
    this.#reactionEndsBatch = false;
    try {
      if (endsBatch) this.#batchDone(true);
      else {
        this.#handBackAt = performance.now() + HOST_TURN_MS;
        this.#iterate();
      }
    } catch (error) {
      this.#finished?.(error);
    }
  };

  /**
   * After a batch: the loop stops, runs the next batch, or waits for the
   * host. Busy batches follow each other a microtask apart, and the host
   * gets its turn at least every HOST_TURN_MS: a macrotask per iteration
   * cost more than the iteration itself (a lock handed over 1,000,000
   * times spent most of its time waiting for setImmediate). While the loop
   * waits on the real world, that turn is one in which the host reads its
   * sockets. `hopped`: a microtask has passed since the batch ended.
   */
  #batchDone(hopped = false): void {
    if (this.#stopping) {
      this.#finished?.();
      return;
    }
    if (this.#ready.size === 0) this.#idle();
    else if (performance.now() >= this.#handBackAt) {
      nextTurn(this.#iterateAfterTurn, clockHeld(this) || canBeWoken(this));
    } else if (hopped) this.#iterate();
    else RESOLVED.then(this.#iterateInContext);
  }

  /**
   * Runs the batch's callbacks until one starts a step that does not end
   * at once: that step runs whole before the next callback, as in asyncio
   * (a task suspends only on a pending future), and `#resumeBatch` goes on
   * once it ends. True if the batch ran to its end.
   */
  #runBatch(): boolean {
    const ready = this.#ready;
    while (this.#batchLeft > 0) {
      const entry = ready.take();
      this.#batchLeft--;
      let arg: unknown;
      if (isCall(entry)) arg = ready.takeArgument();
      else if (entry.cancelled()) continue;
      if (this.#debug) this.#startSlowCheck(entry, arg);
      if (isCall(entry)) this.#runCall(entry, arg);
      else entry.run();
      if (stepsRunning()) {
        this.#waitForSteps();
        return false;
      }
      if (this.#debug) this.#endSlowCheck();
    }
    return true;
  }

  /**
   * Goes on once every running step has ended: the last one to end calls
   * the loop back at once, from the await that suspended its task (after
   * that await is registered) or from the task's end, so no microtask turn
   * is spent per step. A host turn meanwhile means a step waits on foreign
   * work (`#armDrainCheck`).
   */
  #waitForSteps(): void {
    whenStepsEnd(this.#resumeBatch);
    this.#armDrainCheck();
  }

  /** Runs the rest of the batch, unless a step began again meanwhile. */
  readonly #resumeBatch = (): void => {
    if (stepsRunning()) {
      this.#waitForSteps();
      return;
    }
    if (this.#debug) this.#endSlowCheck();
    // A step ends inside the `then()` that registers its await, and code
    // that called `then()` itself goes on after it: what follows the batch
    // waits for that code to finish, a microtask later, as it did when the
    // loop was an async function.
    if (!this.#runBatch()) return;
    this.#reactionEndsBatch = true;
    this.#openReaction!();
  };

  #startSlowCheck(entry: ReadyEntry, arg: unknown): void {
    traceSteps();
    this.#slowEntry = entry;
    this.#slowArg = arg;
    this.#slowStart = performance.now();
  }

  #endSlowCheck(): void {
    const seconds = (performance.now() - this.#slowStart) / 1000;
    this.#checkSlow(this.#slowEntry!, this.#slowArg, seconds, takeSteps());
  }

  /** Runs a library callback; an error gets a handle to report. */
  #runCall(callback: (arg: unknown) => unknown, arg: unknown): void {
    try {
      callback(arg);
    } catch (exception) {
      this.callExceptionHandler({
        message: `Exception in callback ${callback.name || "anonymous"}()`,
        exception,
        handle: new Handle(callback, [arg], this),
      });
    }
  }

  /**
   * Asks for a host turn, which comes only once the microtask queue is
   * empty: a step still counted then waits on foreign work, and is
   * forgotten so that the loop goes on. One is enough for any number of
   * waits until it comes.
   */
  #armDrainCheck(): void {
    if (this.#drainCheckArmed) return;
    this.#drainCheckArmed = true;
    nextTurn(this.#drainCheck);
  }

  readonly #drainCheck = (): void => {
    this.#drainCheckArmed = false;
    if (stepsRunning()) forgetSteps();
  };

  /**
   * Waits for the host: for the nearest timer, a host callback, or a
   * callback scheduled from outside the loop. Nothing is allocated for a
   * wait with no timer, the usual wait for bytes.
   */
  #idle(): void {
    this.#idling = true;
    const deadline = this.#nextDeadline();
    const stopWaiting = this.waitForHost(deadline, this.#wakeByHost);
    const stopWatching = deadline === null ? this.#watchForDeadlock() : null;
    // A signal can still wake the loop: Node would exit without a timer.
    const keepAlive = deadline === null && this.#signalListeners.size > 0
      ? armTimer(Infinity, this.#wakeByHost)
      : null;
    this.#stopWaiting = stopWatching === null && keepAlive === null
      ? stopWaiting
      : () => {
        stopWaiting();
        stopWatching?.();
        keepAlive?.clear();
      };
  }

  /** Ends the wait for the host; false if the loop was not waiting. */
  #endIdle(): boolean {
    if (!this.#idling) return false;
    this.#idling = false;
    const stopWaiting = this.#stopWaiting;
    this.#stopWaiting = NOTHING;
    stopWaiting();
    return true;
  }

  /**
   * What `waitForHost` calls when the wait is over: the loop goes on a
   * microtask later, as the callback that calls it may still have work of
   * its own to finish. A late call, after the wait ended, does nothing.
   */
  readonly #wakeByHost = (): void => {
    if (this.#endIdle()) RESOLVED.then(this.#iterateFromHost);
  };

  /**
   * Ends the wait for the host from a host callback: the next iteration
   * runs right here, or, where entering the loop's context costs more than
   * a reaction (`ENTER_BY_REACTION`), a microtask later.
   */
  #wakeNow(): void {
    if (!this.#endIdle()) return;
    if (ENTER_BY_REACTION) this.#openReaction!();
    else this.#iterateFromHost();
  }

  /**
   * Beyond asyncio: with nothing ready, no timer, nothing of the real world
   * pending and tasks still waiting, nothing can wake the loop again. Once
   * the host has nothing left either, the loop stops, and
   * `runUntilComplete` rejects with the pending tasks and what each awaits,
   * instead of the process exiting silently or hanging.
   */
  #watchForDeadlock(): (() => void) | null {
    if (!this.#mayBeDeadlocked()) return null;
    return watchHostIdle(() => {
      if (!this.#idling || !this.#mayBeDeadlocked()) return;
      this.#deadlock = new RuntimeError(this.#deadlockReport());
      this.stop();
    }, () => {
      if (!this.#idling || !this.#mayBeDeadlocked()) return;
      console.error(
        this.#deadlockReport() + "\n(The loop goes on waiting: this host " +
          "cannot tell whether anything of its own, such as a worker, is " +
          "left to wake it.)",
      );
    });
  }

  #mayBeDeadlocked(): boolean {
    if (this.#ready.size > 0 || this.#nextDeadline() !== null) return false;
    if (clockHeld(this) || this.#signalListeners.size > 0) return false;
    if (canBeWoken(this)) return false;
    let pending = false;
    for (const task of taskInternals.tasksOf(this)) {
      if (taskInternals.awaitsForeignWork(task)) return false;
      pending = true;
    }
    return pending;
  }

  #deadlockReport(): string {
    const graph = runAs(this.#context, () => formatCallGraph());
    return "Deadlock: every task waits and nothing can wake one: no callback " +
      "is ready, no timer is set, and no socket, worker, process, signal " +
      `handler or foreign promise is pending. The tasks and what each awaits:\n${graph}`;
  }

  /** The nearest timer's deadline; `null` when none can come due. */
  #nextDeadline(): number | null {
    const timers = this.#timers;
    let next = timers.peek();
    while (next !== undefined && next.cancelled()) {
      timers.pop();
      next = timers.peek();
    }
    // A timer at infinity (`sleep(Infinity)`) never comes due.
    return next === undefined || next.when() === Infinity ? null : next.when();
  }

  /**
   * Ends the wait for the host on a host turn of its own, so that code
   * which scheduled a callback after a foreign await finishes its step
   * before the loop goes on.
   */
  #wakeUp(): void {
    if (this.#endIdle()) nextTurn(this.#iterateAfterTurn);
  }

  /** Real seconds, not loop time: a virtual clock stands still meanwhile. */
  #checkSlow(
    entry: ReadyEntry,
    arg: unknown,
    seconds: number,
    stepOwners: unknown[],
  ): void {
    if (seconds < this.slowCallbackDuration) return;
    const handle = isCall(entry) ? new Handle(entry, [arg], this) : entry;
    reportSlowCallback(handle, seconds, stepOwners);
  }

  // -- networking: protocols and transports ---------------------------------

  /**
   * Connects to `host:port` over TCP, TLS with `ssl`, and returns
   * `[transport, protocol]` once the protocol's `connectionMade` has run:
   * asyncio's `loop.create_connection`. `ssl: true` verifies the server
   * against the system's authorities and `serverHostname` (`host` by
   * default). A `null` host is this machine's loopback addresses, as
   * Python's `None`. The host's addresses are tried one after another, or,
   * with `happyEyeballsDelay`, raced a delay apart with IPv6 and IPv4
   * taking turns (`interleave`), the first to connect kept and the others
   * closed, as asyncio's happy eyeballs. The transport keeps the program
   * alive until it is closed.
   */
  async createConnection<P extends StreamProtocol>(
    protocolFactory: () => P,
    host: string | null,
    port: number,
    options?: CreateConnectionOptions,
  ): Promise<[Transport, P]> {
    const { createConnection } = connections.now ?? await connections.get(this);
    return await createConnection(this, protocolFactory, host, port, options, {
      holdWhileOpen: true,
    });
  }

  /**
   * Listens on `host:port` (`null` or `""`: all interfaces; port 0 or
   * `null` picks a free one, but not both `null`, as in asyncio) and gives
   * each client a protocol from `protocolFactory`: asyncio's
   * `loop.create_server`. A host name is looked up, and each of its
   * addresses of `family` (any, by default) gets a socket, as in asyncio.
   */
  async createServer(
    protocolFactory: () => StreamProtocol,
    host: string | readonly string[] | null,
    port: number | null = null,
    options?: CreateServerOptions,
  ): Promise<Server> {
    const { createServer } = servers.now ?? await servers.get(this);
    return await createServer(this, protocolFactory, host, port, options, {
      holdWhileOpen: true,
    });
  }

  /** As `createConnection`, to the Unix-domain socket at `path`. */
  async createUnixConnection<P extends StreamProtocol>(
    protocolFactory: () => P,
    path: string,
    options?: CreateUnixConnectionOptions,
  ): Promise<[Transport, P]> {
    const { createUnixConnection } = connections.now ??
      await connections.get(this);
    return await createUnixConnection(this, protocolFactory, path, options, {
      holdWhileOpen: true,
    });
  }

  /**
   * As `createServer`, on the Unix-domain socket at `path` (a socket left
   * there by an earlier server is replaced; any other file is an error).
   */
  async createUnixServer(
    protocolFactory: () => StreamProtocol,
    path: string,
    options?: CreateUnixServerOptions,
  ): Promise<Server<string>> {
    const { createUnixServer } = servers.now ?? await servers.get(this);
    return await createUnixServer(this, protocolFactory, path, options, {
      holdWhileOpen: true,
    });
  }

  /**
   * Wraps a socket accepted outside the loop (a connected `node:net`
   * `Socket`) in a transport and a protocol, as the server side.
   */
  async connectAcceptedSocket<P extends StreamProtocol>(
    protocolFactory: () => P,
    socket: unknown,
    options?: ConnectAcceptedSocketOptions,
  ): Promise<[Transport, P]> {
    const { connectAcceptedSocket } = connections.now ??
      await connections.get(this);
    return await connectAcceptedSocket(this, protocolFactory, socket, options);
  }

  /**
   * Upgrades `transport` to TLS in place (STARTTLS) and returns the new
   * transport, which calls `protocol` from now on; the old one must not be
   * used again. A failed handshake closes the connection.
   */
  async startTls(
    transport: Transport,
    protocol: StreamProtocol,
    sslContext: SSLContext | boolean,
    options?: StartTlsOptions,
  ): Promise<Transport> {
    const { startTls } = connections.now ?? await connections.get(this);
    return await startTls(this, transport, protocol, sslContext, options);
  }

  #checkOpen(): void {
    if (this.#closed) throw new RuntimeError("Event loop is closed");
  }

  #checkCanRun(): void {
    this.#checkOpen();
    if (this.#running) {
      throw new RuntimeError("This event loop is already running");
    }
    const outer = currentOwner()?.getLoop();
    if (outer !== undefined && outer !== this && outer.isRunning()) {
      throw new RuntimeError(
        "Cannot run the event loop while another loop is running",
      );
    }
  }
}
