/**
 * The package-private entry points of `Process`, kept out of the public
 * API: the class fills them in its `static {}` block, and no `mod.ts`
 * re-exports this module.
 *
 * @module
 */
import type { HostChild } from "../internal/process_host.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import type { Process } from "./process.ts";

/** Filled by `Process`. */
export const internals: {
  /** Makes the process object of `child` (its constructor is private). */
  newProcess(loop: EventLoop, child: HostChild, limit: number): Process;
  /** Records the exit of the process. */
  processExited(process: Process, returncode: number): void;
} = {} as typeof internals;
