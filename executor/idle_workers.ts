/**
 * The workers of a pool that hold no job, and how long they may stay so.
 *
 * @module
 */
import { clearTimeout, setTimeout } from "node:timers";
import type { WorkerSlot } from "./worker_slot.ts";

/**
 * Idle workers, the most recently parked taken first. With a timeout, each
 * one that stays idle that long is handed to `expire` (which decides
 * whether it exits); the timer never keeps the process alive.
 */
export class IdleWorkers {
  #slots: WorkerSlot[] = [];
  readonly #timers = new Map<WorkerSlot, ReturnType<typeof setTimeout>>();
  readonly #timeoutMs: number | null;
  readonly #expire: (slot: WorkerSlot) => void;

  /** `timeout` in seconds, or `null` for none. */
  constructor(timeout: number | null, expire: (slot: WorkerSlot) => void) {
    this.#timeoutMs = timeout === null ? null : timeout * 1000;
    this.#expire = expire;
  }

  /** How many workers are idle. */
  get length(): number {
    return this.#slots.length;
  }

  /** Parks `slot`. */
  park(slot: WorkerSlot): void {
    this.#slots.push(slot);
    if (this.#timeoutMs === null) return;
    const timer = setTimeout(() => {
      this.#timers.delete(slot);
      this.#expire(slot);
    }, this.#timeoutMs);
    timer.unref();
    this.#timers.set(slot, timer);
  }

  /** Takes an idle worker, if there is one. */
  take(): WorkerSlot | undefined {
    const slot = this.#slots.pop();
    if (slot !== undefined) this.#clearTimer(slot);
    return slot;
  }

  /** Takes every idle worker. */
  takeAll(): WorkerSlot[] {
    const slots = this.#slots;
    this.#slots = [];
    for (const slot of slots) this.#clearTimer(slot);
    return slots;
  }

  /** Forgets `slot` (it died, or exits), if it is idle. */
  forget(slot: WorkerSlot): void {
    this.#slots = this.#slots.filter((idle) => idle !== slot);
    this.#clearTimer(slot);
  }

  #clearTimer(slot: WorkerSlot): void {
    const timer = this.#timers.get(slot);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(slot);
  }
}
