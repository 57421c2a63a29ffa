/**
 * The tally of one pass, shown as it grows: a live bar on a terminal, a
 * line per country otherwise (a pipe, a file, a test).
 *
 * @module
 */
import process from "node:process";
import type { Result, Status } from "./demo_download.ts";

/** The results of one pass and their display. */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #live = process.stdout.isTTY === true;
  readonly #results: Result[] = [];
  readonly #counts: Record<Status, number> = {
    ok: 0,
    "not found": 0,
    error: 0,
  };

  /** Starts showing the pass `label` of `total` countries. */
  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = total;
    if (this.#live) this.#draw();
  }

  /** How many countries ended with `status`. */
  count(status: Status): number {
    return this.#counts[status];
  }

  /** The results with `status`, sorted by country code. */
  results(status: Status): Result[] {
    return this.#results.filter((result) => result.status === status)
      .sort((a, b) => a.cc < b.cc ? -1 : 1);
  }

  /** Adds one result and shows it. */
  record(result: Result): void {
    this.#results.push(result);
    this.#counts[result.status]++;
    if (this.#live) {
      this.#draw();
      return;
    }
    const done = String(this.#results.length).padStart(
      String(this.#total).length,
    );
    const what = result.status === "not found"
      ? "not found"
      : `${result.status}: ${result.detail}`;
    console.log(`${this.#label} ${done}/${this.#total}  ${result.cc} ${what}`);
  }

  /** Leaves the bar on its line, for what is printed next. */
  end(): void {
    if (this.#live) process.stdout.write("\n");
  }

  /** "16 ok, 2 not found, 2 errors". */
  toString(): string {
    const errors = this.#counts.error;
    return `${this.#counts.ok} ok, ${this.#counts["not found"]} not found, ` +
      `${errors} ${errors === 1 ? "error" : "errors"}`;
  }

  #draw(): void {
    const done = this.#results.length;
    const counts = `${done}/${this.#total}  ${this}`;
    const room = (process.stdout.columns || 80) - this.#label.length -
      counts.length - 6;
    const width = Math.max(10, Math.min(40, room));
    const filled = Math.round(width * done / this.#total);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    // \r back to the start of the line, \x1b[K erase what was longer.
    process.stdout.write(`\r${this.#label} [${bar}] ${counts}\x1b[K`);
  }
}
