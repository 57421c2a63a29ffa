/**
 * Debug-mode reports of the loop: slow callbacks and task steps, tasks left
 * pending when their loop closes. CPython logs these through the `asyncio`
 * logger; here they go through `warn` or the loop's exception handler.
 *
 * @module
 */
import { sourceTraceback } from "../tasks/creation_site.ts";
import { Task } from "../tasks/task.ts";
import type { AbstractEventLoop } from "./abstract_event_loop.ts";
import type { Handle } from "./handle.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/** Where debug-mode warnings go: the console's warning stream. */
export function warn(message: string): void {
  console.warn(message);
}

/**
 * Reports a callback that blocked the loop for `seconds`, naming the task
 * whose step it ran (from `stepOwners`, see `../tasks/step_trace.ts`).
 */
export function reportSlowCallback(
  handle: Handle,
  seconds: number,
  stepOwners: unknown[],
): void {
  const tasks = [...new Set(stepOwners)].filter((owner) =>
    owner instanceof Task
  );
  const what = tasks.length === 0
    ? String(handle)
    : tasks.length === 1
    ? String(tasks[0])
    : `${handle} resuming ${tasks.join(", ")}`;
  warn(`Executing ${what} took ${seconds.toFixed(3)} seconds`);
}

/**
 * Reports every task of `loop` still pending as the loop closes: it can
 * never run again (CPython reports it when the task is garbage-collected).
 */
export function reportPendingTasks(loop: AbstractEventLoop): void {
  for (const task of [...taskInternals.tasksOf(loop)].reverse()) {
    const traceback = sourceTraceback(task);
    loop.callExceptionHandler({
      message: "Task was destroyed but it is pending!",
      task,
      ...(traceback === undefined ? {} : { sourceTraceback: traceback }),
    });
  }
}
