/**
 * Cancel scopes: the part of a task's work that one `timeout()` block or
 * task group covers. A task here can run several async bodies at once
 * (`gather(f(), g())` calls both in the caller's task, where asyncio gives
 * each coroutine a task of its own), so a deadline that passes, or a task
 * of a group that fails, cancels what its own block awaits, and not the
 * task's other work.
 *
 * @module
 */
import {
  CancelScopeContext,
  currentCancelScope,
  currentOwner,
} from "../internal/context.ts";
import type { Future } from "./future.ts";
import type { Task } from "./task.ts";
import { internals } from "./_internals.ts";
import { cancelWholeTaskFor } from "./promise_future.ts";

/** How many futures a scope keeps before dropping the done ones. */
const PRUNE_AT = 8;

/** The shared empty list a scope starts with: most blocks await once. */
const NONE: never[] = [];

/**
 * One block of a task's work, cancellable on its own. A task that enters a
 * block gets a root scope for its work outside every block; blocks nest
 * below it as their code nests. A block knows the futures awaited directly
 * in it; nothing is recorded while a task has no block open.
 */
export class CancelScope extends CancelScopeContext {
  /** The task whose work this is. */
  readonly task: Task<unknown>;
  /** The enclosing scope; `null` for the task's root. */
  readonly parent: CancelScope | null;
  /** Futures awaited directly in this scope while open; some may be done. */
  #awaited: Future<unknown>[] = NONE;
  /** Open scopes directly inside this one; the root's are its task's blocks. */
  #children: CancelScope[] = NONE;
  /** False once the block has ended; the root never ends. */
  #open = true;
  /** True from a `cancel()` that reached its work until the block ends. */
  #cancelled = false;

  private constructor(task: Task<unknown>, parent: CancelScope | null) {
    super();
    this.task = task;
    this.parent = parent;
  }

  /** Opens a block in the code running now, which belongs to `task`. */
  static enter(task: Task<unknown>): CancelScope {
    let root = internals.rootScope(task);
    if (root === null) {
      root = new CancelScope(task, null);
      internals.setRootScope(task, root);
    }
    const parent = CancelScope.#current(root);
    const scope = new CancelScope(task, parent);
    if (parent.#children === NONE) parent.#children = [scope];
    else parent.#children.push(scope);
    return scope;
  }

  /** The open scope of `root`'s task that the running code is in. */
  static #current(root: CancelScope): CancelScope {
    const found = currentCancelScope();
    if (!(found instanceof CancelScope) || found.task !== root.task) {
      return root;
    }
    let scope = found;
    while (!scope.#open) scope = scope.parent!;
    return scope;
  }

  /** Told before `root`'s task awaits the pending `future`: records it. */
  static willAwait(root: CancelScope, future: Future<unknown>): void {
    if (root.#children.length === 0) return;
    const scope = CancelScope.#current(root);
    // The root is never cancelled: what it awaits needs no record.
    if (scope === root) return;
    const awaited = scope.#awaited;
    if (awaited === NONE) scope.#awaited = [future];
    else if (awaited.length < PRUNE_AT) awaited.push(future);
    else scope.#awaited = [...awaited.filter((f) => !f.done()), future];
  }

  /**
   * Cancels the block: every pending future awaited in it, or in a block
   * inside it, answers with `CancelledError`. When there is none (the block
   * awaits a promise started outside it, a foreign promise, or a bare
   * yield), cancels the task instead, as asyncio would, and returns true:
   * that request is the caller's to withdraw with `uncancel()`.
   */
  cancel(): boolean {
    if (this.#reach()) {
      this.#cancelled = true;
      return false;
    }
    cancelWholeTaskFor(this.task);
    return true;
  }

  #reach(): boolean {
    let reached = false;
    for (const future of this.#awaited) {
      if (future.done() || internals.isBareYield(future)) continue;
      if (future.cancel()) reached = true;
    }
    for (const child of this.#children) if (child.#reach()) reached = true;
    return reached;
  }

  /**
   * The cancels of `root`'s task's blocks that the code running now sees,
   * as each counts in asyncio's `cancelling()`: those of the blocks around
   * it, cancelled and not yet ended; from outside the task, all of them.
   */
  static requestsAround(root: CancelScope): number {
    if (root.#children.length === 0) return 0;
    if (currentOwner() !== root.task) return root.#cancelledWithin();
    let requests = 0;
    let scope: CancelScope | null = CancelScope.#current(root);
    for (; scope !== null; scope = scope.parent) {
      if (scope.#cancelled) requests++;
    }
    return requests;
  }

  #cancelledWithin(): number {
    let requests = this.#cancelled ? 1 : 0;
    for (const child of this.#children) requests += child.#cancelledWithin();
    return requests;
  }

  /**
   * Withdraws the cancel of the innermost cancelled block around the code
   * running now, if any (`uncancel()`).
   */
  static withdrawAround(root: CancelScope): void {
    if (root.#children.length === 0) return;
    let scope: CancelScope | null = CancelScope.#current(root);
    for (; scope !== null; scope = scope.parent) {
      if (scope.#cancelled) {
        scope.#cancelled = false;
        return;
      }
    }
  }

  /** Ends the block; blocks still open inside it move to its parent. */
  close(): void {
    if (!this.#open) return;
    let parent = this.parent!;
    while (!parent.#open) parent = parent.parent!;
    this.#open = false;
    this.#cancelled = false;
    parent.#children.splice(parent.#children.indexOf(this), 1);
    parent.#children.push(...this.#children);
    this.#children = this.#awaited = NONE;
  }
}
