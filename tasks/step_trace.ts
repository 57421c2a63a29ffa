/**
 * Which tasks ran a step during one loop callback, so that a debug-mode
 * loop can name the task behind a slow callback. A task step runs inside
 * the callback that started or woke it (or in the microtasks right after),
 * so the loop opens a trace before the callback and takes it after.
 *
 * @module
 */

/**
 * The owners of the awaits resumed (and the tasks started) since the loop
 * opened the trace; `null` when no loop traces, which is the only thing the
 * hot paths look at.
 */
export let stepOwners: unknown[] | null = null;

/** Records that `owner` (usually a task) runs a step now. */
export function noteStep(owner: unknown): void {
  stepOwners?.push(owner);
}

/** Opens a trace: the loop is about to run a callback. */
export function traceSteps(): void {
  stepOwners = [];
}

/** Closes the trace and returns what it recorded. */
export function takeSteps(): unknown[] {
  const owners = stepOwners ?? [];
  stepOwners = null;
  return owners;
}
