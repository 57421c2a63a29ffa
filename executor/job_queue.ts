/**
 * The jobs waiting for a worker, first in, first out. Cancelled jobs stay
 * until their turn and are skipped then, so cancelling is O(1).
 *
 * @module
 */
import { Deque } from "../internal/deque.ts";
import type { Job } from "./job.ts";

/**
 * A `Deque` of jobs that also counts the ones still wanted, and can take
 * back at its front the jobs of a worker that went away.
 */
export class JobQueue {
  #items = new Deque<Job>();
  /** Queued jobs not cancelled. */
  #live = 0;
  /** The jobs `#live` counts: a cancelled job is forgotten only if here. */
  readonly #counted = new WeakSet<Job>();

  /** How many jobs wait, cancelled ones left out. */
  get size(): number {
    return this.#live;
  }

  /** Adds `job` at the back. */
  push(job: Job): void {
    this.#items.add(job);
    this.#count(job);
  }

  /**
   * Puts `jobs` back at the front, in their order: O(n), as only a worker
   * that dies or is killed gives jobs back.
   */
  putBack(jobs: Job[]): void {
    if (jobs.length === 0) return;
    const behind = this.#items;
    this.#items = new Deque<Job>();
    for (const job of jobs) this.push(job);
    for (let job = behind.take(); job !== undefined; job = behind.take()) {
      this.#items.add(job);
    }
  }

  /** `job` was cancelled: if it waits here, it no longer counts. */
  forget(job: Job): void {
    if (this.#counted.delete(job)) this.#live--;
  }

  #count(job: Job): void {
    if (this.#counted.has(job)) return;
    this.#counted.add(job);
    this.#live++;
  }

  /** The next job still wanted (cancelled ones are dropped), left queued. */
  peek(): Job | undefined {
    const items = this.#items;
    let job = items.peek();
    while (job !== undefined && job.future.done()) {
      items.take();
      job = items.peek();
    }
    return job;
  }

  /** Removes and returns the next job still wanted. */
  take(): Job | undefined {
    const job = this.peek();
    if (job === undefined) return undefined;
    this.#items.take();
    this.forget(job);
    return job;
  }

  /** Removes and returns every queued job. */
  drain(): Job[] {
    const jobs: Job[] = [];
    for (
      let job = this.#items.take();
      job !== undefined;
      job = this.#items.take()
    ) {
      this.forget(job);
      jobs.push(job);
    }
    return jobs;
  }
}
