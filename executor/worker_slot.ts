/**
 * One worker of a pool as the host sees it: the jobs it holds, the
 * function sources it already has, and the memory it shares with the
 * host to abort a running job or take back one it has not started.
 *
 * @module
 */
import { armTimer, type HostTimer } from "../internal/host.ts";
import { startWorker, type WorkerHost } from "../internal/worker_host.ts";
import type { Job } from "./job.ts";
import { JOB_SIGNAL_KEY } from "./job_signal.ts";
import {
  type ReplyMessage,
  type RunMessage,
  SHARED_CELLS,
  type WorkerSetup,
} from "./protocol.ts";
import { workerProgram } from "./worker_main.ts";

/**
 * How many jobs a worker holds: the one it runs and the next, so that it
 * starts the next without waiting for a round trip to the host (this
 * halves the cost of small jobs on Deno). The next one can be taken back
 * until it starts, so it never waits behind a long job while another
 * worker is free.
 */
export const JOBS_PER_WORKER = 2;

/** What a slot reports to its pool. */
export interface SlotEvents {
  /** The running job ended with `reply`. */
  reply(slot: WorkerSlot, job: Job, reply: ReplyMessage): void;
  /** The worker died on its own; `error` is what killed it, if known. */
  death(slot: WorkerSlot, error: unknown, code: number): void;
}

/** A worker and the jobs it holds, oldest (running) first. */
export class WorkerSlot {
  readonly #host: WorkerHost;
  readonly #cells: Int32Array;
  readonly #known = new Set<number>();
  #jobs: Job[] = [];
  #graceJob: Job | null = null;
  #graceTimer: HostTimer | null = null;

  /** Starts a worker; it stays unref'd while it holds no job. */
  constructor(events: SlotEvents) {
    const setup: WorkerSetup = {
      cells: new SharedArrayBuffer(4 * Object.keys(SHARED_CELLS).length),
      cellIndex: SHARED_CELLS,
      signalKey: JOB_SIGNAL_KEY,
    };
    this.#cells = new Int32Array(setup.cells);
    this.#host = startWorker({
      main: workerProgram,
      name: "aio-asyncio-worker.js",
      data: setup,
    }, {
      message: (data) => {
        const job = this.#jobs.shift();
        if (job === undefined) return;
        if (job === this.#graceJob) this.#clearGrace();
        if (this.#jobs.length === 0) this.#host.unref();
        events.reply(this, job, data as ReplyMessage);
      },
      exit: (error, code) => {
        this.#clearGrace();
        events.death(this, error, code);
      },
    });
    this.#host.unref();
  }

  /** The jobs the worker holds, oldest (running, or about to) first. */
  get jobs(): readonly Job[] {
    return this.#jobs;
  }

  /**
   * True if a job may be sent now: to a worker that holds nothing, or
   * behind its one running job, if that one has started and the job moves
   * no buffers (a job taken back is sent again, and moved buffers are gone
   * from the host).
   */
  hasRoom(movesBuffers: boolean): boolean {
    const held = this.#jobs.length;
    return held === 0 ||
      (held < JOBS_PER_WORKER && !movesBuffers &&
        Atomics.load(this.#cells, SHARED_CELLS.claimable) === 0);
  }

  /**
   * Sends `job` (see `hasRoom`) to the worker, with its buffers moved;
   * behind another job it waits there, and can be taken back until it
   * starts. Throws (and holds nothing new) when an argument cannot be
   * cloned.
   */
  run(job: Job): void {
    const { callable } = job;
    const message: RunMessage = callable.kind === "source"
      ? { id: job.id, fn: callable.id, args: job.args }
      : {
        id: job.id,
        fn: callable.module,
        code: callable.name,
        args: job.args,
      };
    const first = callable.kind === "source" && !this.#known.has(callable.id);
    if (first) message.code = callable.body;
    if (job.chunk) message.chunk = true;
    const waits = this.#jobs.length > 0;
    if (waits) {
      message.claim = true;
      Atomics.store(this.#cells, SHARED_CELLS.claimable, job.id);
    }
    this.#host.post(message, job.transfer);
    if (first) this.#known.add(callable.id);
    this.#jobs.push(job);
    if (!waits) this.#host.ref();
  }

  /**
   * Takes back `job` if the worker has not started it (it will skip it);
   * false if it runs, or ran.
   */
  takeBack(job: Job): boolean {
    const index = this.#jobs.indexOf(job);
    if (index < 1) return false;
    const cell = SHARED_CELLS.claimable;
    if (Atomics.compareExchange(this.#cells, cell, job.id, 0) !== job.id) {
      return false;
    }
    this.#jobs.splice(index, 1);
    return true;
  }

  /**
   * Aborts `job`, which runs, through its signal in the worker; after
   * `grace` seconds (never when `null`) calls `kill`, unless it ended.
   */
  abort(job: Job, grace: number | null, kill: () => void): void {
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
    return this.#host.terminate();
  }

  #clearGrace(): void {
    this.#graceTimer?.clear();
    this.#graceTimer = null;
    this.#graceJob = null;
  }
}
