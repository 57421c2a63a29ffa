/**
 * `formatCallGraph` and `printCallGraph`: the live tasks as a tree of who
 * awaits whom.
 *
 * @module
 */
import { currentOwner } from "../internal/context.ts";
import { describe } from "../internal/validate.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { Future } from "./future.ts";
import { Task } from "./task.ts";
import { internals } from "./_internals.ts";

/**
 * The tree of what `future` awaits, as text: each task on a line, and below
 * it, indented, the futures and tasks it is blocked on, down to the futures
 * that wait on nothing. Without `future`, the tree of every live task of
 * the running loop, from the tasks that no task awaits (`main`, usually).
 * A line shows the task's name and state, and in debug mode where it was
 * created; a task blocked on no library future is marked as running, not
 * started yet, or awaiting a foreign promise (one the loop cannot see).
 *
 * Python 3.14's `format_call_graph()` starts at the current task and walks
 * up to the tasks awaiting it, with the coroutines' frames; a suspended
 * async function has no inspectable frames in JavaScript, so this tree
 * goes down instead, which is what a hung program needs.
 *
 * @example Who awaits whom
 * ```ts
 * import { createTask, formatCallGraph, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const worker = createTask(() => sleep(3600), { name: "worker" });
 *   const boss = createTask(() => worker, { name: "boss" });
 *   await sleep(0);
 *   assert.equal(
 *     formatCallGraph(boss),
 *     [
 *       "<Task pending name='boss'>",
 *       "└── <Task pending name='worker'>",
 *       "    └── <SleepFuture pending>",
 *     ].join("\n"),
 *   );
 *   boss.cancel();
 * });
 * ```
 */
export function formatCallGraph(future?: Future<unknown> | null): string {
  if (future != null && !(future instanceof Future)) {
    throw new TypeError(
      `formatCallGraph() takes a Future or a Task, got ${describe(future)}`,
    );
  }
  const roots = future == null ? rootTasks() : [future];
  const lines: string[] = [];
  const shown = new Set<Future<unknown>>();
  for (const root of roots) addTree(lines, root, "", "", shown);
  return lines.join("\n");
}

/**
 * Prints `formatCallGraph(future)` to the console (standard output).
 *
 * @example Printing the tree of a running program
 * ```ts
 * import { createTask, printCallGraph, run, sleep } from "@aio/asyncio";
 *
 * await run(async () => {
 *   const sleeper = createTask(() => sleep(3600), { name: "sleeper" });
 *   await sleep(0);
 *   printCallGraph(); // main (running) and sleeper, each with its futures
 *   sleeper.cancel();
 * });
 * ```
 */
export function printCallGraph(future?: Future<unknown> | null): void {
  const text = formatCallGraph(future);
  if (text !== "") console.log(text);
}

/** The live tasks no live task awaits, oldest first; then any left over. */
function rootTasks(): Task<unknown>[] {
  const tasks = [...internals.tasksOf(getRunningLoop())].reverse();
  const awaited = new Set<Future<unknown>>();
  for (const task of tasks) {
    for (const future of internals.awaiting(task)) awaited.add(future);
  }
  const roots = tasks.filter((task) => !awaited.has(task));
  // Tasks that await each other in a circle have no root: show them too.
  const reached = new Set<Future<unknown>>();
  const reach = (future: Future<unknown>) => {
    if (reached.has(future)) return;
    reached.add(future);
    if (future instanceof Task) internals.awaiting(future).forEach(reach);
  };
  roots.forEach(reach);
  for (const task of tasks) {
    if (!reached.has(task)) {
      roots.push(task);
      reach(task);
    }
  }
  return roots;
}

function addTree(
  lines: string[],
  future: Future<unknown>,
  lead: string,
  indent: string,
  shown: Set<Future<unknown>>,
): void {
  const children = future instanceof Task ? internals.awaiting(future) : [];
  if (shown.has(future)) {
    lines.push(`${lead}${future}${children.length > 0 ? " (see above)" : ""}`);
    return;
  }
  shown.add(future);
  lines.push(`${lead}${future}${future instanceof Task ? note(future) : ""}`);
  children.forEach((child, i) => {
    const last = i === children.length - 1;
    addTree(
      lines,
      child,
      `${indent}${last ? "└── " : "├── "}`,
      `${indent}${last ? "    " : "│   "}`,
      shown,
    );
  });
}

/** Whether the task runs now, or why it is not waiting on the loop. */
function note(task: Task<unknown>): string {
  if (currentOwner() === task) return " (running)";
  if (task.done() || internals.awaiting(task).length > 0) return "";
  return internals.awaitsForeignWork(task)
    ? " (awaiting a foreign promise)"
    : " (not started yet)";
}
