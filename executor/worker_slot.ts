/**
 * One worker of a pool as the host sees it: the jobs it holds, the
 * function sources it already has, and the memory it shares with the
 * host to abort a running job or take back one it has not started.
 *
 * @module
 */
import { armTimer, type HostTimer } from "../internal/host.ts";
import {
  type ResourceLimits,
  startWorker,
  type WorkerHost,
} from "../internal/worker_host.ts";
import type { Packed } from "./error_transport.ts";
import type { Job } from "./job.ts";
import { OnFirstUse } from "../loop/on_first_use.ts";
import { JOB_SIGNAL_KEY } from "./job_signal.ts";
import {
  JOBS_PER_WORKER,
  type ReplyMessage,
  type RunMessage,
  SHARED_CELLS,
  type WorkerSetup,
} from "./protocol.ts";

/**
 * A worker holds the job it runs and up to `JOBS_PER_WORKER - 1` waiting
 * behind it, so that it starts each next one without waiting for a round
 * trip to the host, and the host sends many jobs per message. A waiting
 * job can be taken back until it starts, so it never waits behind a long
 * job while another worker is free. The pool refills a worker once it
 * holds no more than this many, so that refills come in batches.
 */
export const REFILL_AT = JOBS_PER_WORKER / 2;

/** What a slot reports to its pool. */
export interface SlotEvents {
  /**
   * The running job ended with `reply`; it had run since `startedAt`
   * (`performance.now()`, as the host saw it).
   */
  reply(
    slot: WorkerSlot,
    job: Job,
    reply: ReplyMessage,
    startedAt: number,
  ): void;
  /** The worker died on its own; `error` is what killed it, if known. */
  death(slot: WorkerSlot, error: unknown, code: number): void;
  /** The pool's initializer threw `thrown` in this worker. */
  initFailed(slot: WorkerSlot, thrown: Packed): void;
}

/** How a pool starts its workers. */
export interface SlotOptions {
  /** The initializer's call, run before any job; id 0. */
  init: RunMessage | null;
  /** Memory limits of the worker. */
  limits: ResourceLimits | undefined;
  /** The jobs the worker runs before it is replaced; `null`: no limit. */
  maxTasks: number | null;
}

/** A worker and the jobs it holds, oldest (running) first. */
export class WorkerSlot {
  readonly #host: WorkerHost;
  readonly #cells: Int32Array;
  readonly #known = new Set<number>();
  #jobs: Job[] = [];
  /** The claim cell of each held job (0 for one sent to an empty worker). */
  #claims: number[] = [];
  #freeClaims: number[] = freshClaims();
  /** Messages to post together once the current turn ends. */
  #outbox: RunMessage[] = [];
  #outboxTransfer: ArrayBuffer[] = [];
  #graceJob: Job | null = null;
  #graceTimer: HostTimer | null = null;
  readonly #maxTasks: number | null;
  /** Jobs that ended here, and when the oldest held job started. */
  #completed = 0;
  #startedAt = 0;

  /** Set once the pool let go of this worker (see `letGo`). */
  #letGo = false;
  #refd = false;
  #started = false;

  /** Starts a worker; it stays unref'd while it holds no job. */
  constructor(events: SlotEvents, options: SlotOptions) {
    this.#maxTasks = options.maxTasks;
    const setup: WorkerSetup = {
      cells: new SharedArrayBuffer(
        4 * (SHARED_CELLS.firstClaim + JOBS_PER_WORKER),
      ),
      cellIndex: SHARED_CELLS,
      signalKey: JOB_SIGNAL_KEY,
      init: options.init,
    };
    this.#cells = new Int32Array(setup.cells);
    this.#host = startWorker({
      main: workerProgram(),
      name: "aio-asyncio-worker.js",
      data: setup,
    }, {
      message: (data) => this.#onReply(data as ReplyMessage, events),
      exit: (error, code) => {
        this.#clearGrace();
        events.death(this, error, code);
      },
    }, options.limits);
    this.#host.unref();
  }

  /** The jobs the worker holds, oldest (running, or about to) first. */
  get jobs(): readonly Job[] {
    return this.#jobs;
  }

  /**
   * True if a job may be sent now: to a worker that holds nothing, or
   * behind the jobs it holds, up to `JOBS_PER_WORKER`, if the job moves no
   * buffers (a job taken back is sent again, and moved buffers are gone
   * from the host).
   */
  hasRoom(movesBuffers: boolean): boolean {
    const held = this.#jobs.length;
    if (this.#maxTasks !== null && this.#completed + held >= this.#maxTasks) {
      return false;
    }
    return held === 0 || (held < JOBS_PER_WORKER && !movesBuffers);
  }

  /**
   * Keeps the process alive while the worker holds a job whose result
   * someone can still receive: one whose loop is not closed and, once the
   * pool let go of the worker (see `letGo`), that someone awaits. Checked
   * as jobs come and go, and by the pool when that may have changed (a
   * loop closes without telling).
   */
  updateRef(): void {
    this.#setRef(this.#jobs.some((job) => this.#holdsProcess(job)));
  }

  /**
   * The pool is shut down without waiting: the worker finishes its jobs
   * if the process lives on, but keeps it alive only for a result that
   * someone awaits.
   */
  letGo(): void {
    this.#letGo = true;
    this.updateRef();
  }

  #holdsProcess(job: Job): boolean {
    return !job.future.getLoop().isClosed() &&
      (!this.#letGo || job.future.wanted);
  }

  /**
   * True once the worker runs: its program loaded and its initializer, if
   * any, returned. A worker that dies before cannot run anything.
   */
  get started(): boolean {
    return this.#started;
  }

  /** True once the worker ran all the jobs it may run. */
  get exhausted(): boolean {
    return this.#maxTasks !== null && this.#completed >= this.#maxTasks;
  }

  /**
   * Sends `job` (see `hasRoom`), whose arguments are known to clone, with
   * its buffers moved, and
   * the other jobs added in this turn: in one message, posted from a
   * microtask. Behind another job it waits there, and can be taken back
   * until it starts.
   */
  add(job: Job): void {
    if (this.#outbox.length === 0) queueMicrotask(this.#flush);
    this.#outbox.push(this.#hold(job));
    this.#outboxTransfer.push(...job.transfer);
  }

  /**
   * Sends `job` (see `hasRoom`) at once, with its buffers moved. Throws
   * (and holds nothing new) when an argument cannot be cloned.
   */
  send(job: Job): void {
    this.#flush();
    const message = this.#hold(job);
    try {
      this.#host.post([message], job.transfer);
    } catch (error) {
      if (message.code !== undefined && typeof message.fn === "number") {
        this.#known.delete(message.fn);
      }
      this.#jobs.pop();
      this.#release(this.#claims.pop()!);
      if (this.#jobs.length === 0) this.#setRef(false);
      throw error;
    }
  }

  /**
   * Takes back `job` if the worker has not started it (it will skip it);
   * false if it runs, or ran.
   */
  takeBack(job: Job): boolean {
    const index = this.#jobs.indexOf(job);
    if (index < 0) return false;
    const claim = this.#claims[index];
    if (
      claim === 0 ||
      Atomics.compareExchange(this.#cells, claim, job.id, 0) !== job.id
    ) {
      return false;
    }
    this.#jobs.splice(index, 1);
    this.#claims.splice(index, 1);
    this.#freeClaims.push(claim);
    const queued = this.#outbox.findIndex((message) => message.id === job.id);
    if (queued >= 0) this.#outbox.splice(queued, 1);
    return true;
  }

  /**
   * Aborts `job`, which runs, through its signal in the worker; after
   * `grace` seconds (never when `null`) calls `kill`, unless it ended.
   */
  abort(job: Job, grace: number | null, kill: () => void): void {
    this.#flush();
    Atomics.store(this.#cells, SHARED_CELLS.aborted, job.id);
    this.#host.post({ abort: job.id }, []);
    if (grace !== null && this.#graceTimer === null) {
      this.#graceJob = job;
      this.#graceTimer = armTimer(grace * 1000, kill);
    }
  }

  /**
   * Stops the worker at once and forgets its jobs (take back or settle
   * them first); settles once the worker is gone.
   */
  terminate(): Promise<void> {
    this.#clearGrace();
    this.#jobs = [];
    this.#claims = [];
    this.#outbox = [];
    this.#outboxTransfer = [];
    this.#freeClaims = freshClaims();
    return this.#host.terminate();
  }

  /** Holds `job` and makes its message, with a claim cell if it waits. */
  #hold(job: Job): RunMessage {
    const { callable } = job;
    const message: RunMessage = callable.kind === "source"
      ? { id: job.id, fn: callable.id, args: job.args }
      : {
        id: job.id,
        fn: callable.module,
        code: callable.name,
        args: job.args,
      };
    if (callable.kind === "source" && !this.#known.has(callable.id)) {
      // Sent with the first job that this worker gets, and kept there
      // even if that job is taken back.
      message.code = callable.body;
      this.#known.add(callable.id);
    }
    if (job.chunk) message.chunk = true;
    let claim = 0;
    if (this.#jobs.length > 0) {
      claim = this.#freeClaims.pop()!;
      Atomics.store(this.#cells, claim, job.id);
      message.claim = claim;
    } else {
      this.#startedAt = performance.now();
    }
    if (this.#holdsProcess(job)) this.#setRef(true);
    this.#jobs.push(job);
    this.#claims.push(claim);
    return message;
  }

  readonly #flush = (): void => {
    const batch = this.#outbox;
    if (batch.length === 0) return;
    const transfer = this.#outboxTransfer;
    this.#outbox = [];
    this.#outboxTransfer = [];
    // Every job in the outbox was checked to clone (or cloned) already.
    this.#host.post(batch, transfer);
  };

  #onReply(reply: ReplyMessage, events: SlotEvents): void {
    if (reply.id === 0) {
      if ("thrown" in reply) events.initFailed(this, reply.thrown);
      else this.#started = true;
      return;
    }
    // The oldest held job (jobs run in order), looked up to be safe.
    const index = this.#jobs.findIndex((job) => job.id === reply.id);
    if (index < 0) return;
    const [job] = this.#jobs.splice(index, 1);
    // Claimed by the worker when it started the job: free to reuse.
    this.#release(this.#claims.splice(index, 1)[0]);
    if (job === this.#graceJob) this.#clearGrace();
    this.#completed++;
    const startedAt = this.#startedAt;
    this.#startedAt = performance.now();
    if (this.#jobs.length === 0) this.#setRef(false);
    else if (this.#letGo) this.updateRef();
    events.reply(this, job, reply, startedAt);
  }

  #setRef(ref: boolean): void {
    if (ref === this.#refd) return;
    this.#refd = ref;
    if (ref) this.#host.ref();
    else this.#host.unref();
  }

  #release(claim: number): void {
    if (claim !== 0) this.#freeClaims.push(claim);
  }

  #clearGrace(): void {
    this.#graceTimer?.clear();
    this.#graceTimer = null;
    this.#graceJob = null;
  }
}

/**
 * The worker program, imported with the first worker, not the package; a
 * failed import is tried again by the next worker.
 */
const workerMain = new OnFirstUse(() => import("./worker_main.ts"));

async function workerProgram(): Promise<string> {
  return (workerMain.now ?? await workerMain.get()).workerProgram;
}

function freshClaims(): number[] {
  return Array.from(
    { length: JOBS_PER_WORKER },
    (_, i) => SHARED_CELLS.firstClaim + JOBS_PER_WORKER - 1 - i,
  );
}
