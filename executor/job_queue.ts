/**
 * The jobs waiting for a worker, first in, first out. Cancelled jobs stay
 * until their turn and are skipped then.
 *
 * @module
 */
import type { Job } from "./job.ts";

/** A FIFO of jobs with O(1) `take` (an array's `shift` is not, on Bun). */
export class JobQueue {
  #items: Job[] = [];
  #head = 0;
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
    this.#items.push(job);
    this.#count(job);
  }

  /** Puts `jobs` back at the front, in their order. */
  putBack(jobs: Job[]): void {
    if (jobs.length === 0) return;
    this.#items = [...jobs, ...this.#items.slice(this.#head)];
    this.#head = 0;
    for (const job of jobs) this.#count(job);
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
    while (this.#head < items.length && items[this.#head].future.done()) {
      this.#head++;
    }
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
      return undefined;
    }
    return items[this.#head];
  }

  /** Removes and returns the next job still wanted. */
  take(): Job | undefined {
    const job = this.peek();
    if (job === undefined) return undefined;
    this.#items[this.#head++] = undefined as unknown as Job;
    this.forget(job);
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }

  /** Removes and returns every queued job. */
  drain(): Job[] {
    const jobs = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    for (const job of jobs) this.forget(job);
    return jobs;
  }
}
