/**
 * Cancel scopes: the part of a task's work that one `timeout()` block
 * covers. A task here can run several async bodies at once
 * (`gather(f(), g())` calls both in the caller's task, where asyncio gives
 * each coroutine a task of its own), so a deadline that passes cancels
 * what its own block awaits, and not the task's other work.
 *
 * @module
 */
import { type CancelledError, cancelledError } from "../internal/errors.ts";
import { CancelScopeContext, currentCancelScope } from "../internal/context.ts";
import type { Future } from "./future.ts";
import type { Task } from "./task.ts";
import { internals } from "./_internals.ts";
import { internals as loopInternals } from "../loop/_internals.ts";

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
  /**
   * For a block that awaits a promise started beside it (`waitFor`'s):
   * what the enclosing scope awaited from just before the block's entry
   * until its own first await, where that promise's first await falls;
   * null otherwise.
   */
  #beside: Future<unknown>[] | null;
  /**
   * The promise's await now, once known: the one await of `#beside`, then
   * each next await of the enclosing scope after it was answered (the
   * step it resumed runs only that chain, up to its next await).
   */
  #besideAwait: Future<unknown> | null = null;
  /** True from the answer to `#besideAwait` until the chain's next await. */
  #besideMoved = false;
  /**
   * True while the promise's await is not known because its first was not
   * the library's: its first await after a foreign wait, from the next
   * callback on, is taken as its.
   */
  #besideUnknown = false;
  /** True when the deadline could not cancel `#besideAwait`: cancel the next. */
  #besideCancel = false;
  /** False once the block has ended; the root never ends. */
  #open = true;
  /** True from `cancel()` until the block ends: a request it counts. */
  #cancelled = false;
  /**
   * True while a `cancel()` reached no pending future in the scope: the
   * next await in it, or in a scope inside it, throws `CancelledError`
   * and clears it; the end of the block drops it.
   */
  #cancelAtNextAwait = false;

  private constructor(
    task: Task<unknown>,
    parent: CancelScope | null,
    workBeside: boolean,
  ) {
    super();
    this.task = task;
    this.parent = parent;
    this.#beside = workBeside ? [] : null;
  }

  /**
   * Opens a block in the code running now, which belongs to `task`;
   * `workBeside` when the block awaits a promise started just before it.
   */
  static enter(task: Task<unknown>, workBeside: boolean): CancelScope {
    let root = internals.rootScope(task);
    if (root === null) {
      root = new CancelScope(task, null, false);
      internals.setRootScope(task, root);
    }
    const parent = CancelScope.#current(root);
    const scope = new CancelScope(task, parent, workBeside);
    if (parent.#children === NONE) parent.#children = [scope];
    else parent.#children.push(scope);
    // A promise whose first await registered at once (a lock or a queue
    // wait) did so just before the block: that await is its.
    const last = workBeside ? internals.lastAwait(task) : null;
    if (last !== null) scope.#claim(last);
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

  /**
   * Told before `root`'s task awaits the pending `future` (`followed`: the
   * future its body returned): records it in the scope awaiting it, or,
   * when a cancel of that scope is still to be delivered, cancels it;
   * returns the error to throw at once if it cannot be cancelled.
   */
  static willAwait(
    root: CancelScope,
    future: Future<unknown>,
    followed: boolean,
    afterForeign: boolean,
  ): CancelledError | undefined {
    if (root.#children.length === 0) return undefined;
    const scope = CancelScope.#current(root);
    // A bare yield keeps the cancel for the answer to this await.
    if (!internals.isBareYield(future)) {
      const cancel = scope.#takeCancel();
      if (cancel !== undefined && !future.cancel()) return cancel;
    }
    // The future a body returned ends that body: no work beside a block.
    if (!followed) scope.#noteWorkBeside(future, afterForeign);
    // The root is never cancelled: what it awaits needs no record.
    if (scope === root) return undefined;
    if (scope.#awaited.length === 0) scope.#claimWorkBeside();
    const awaited = scope.#awaited;
    if (awaited === NONE) scope.#awaited = [future];
    else if (awaited.length < PRUNE_AT) awaited.push(future);
    else scope.#awaited = [...awaited.filter((f) => !f.done()), future];
    return undefined;
  }

  /**
   * Follows the promises started beside this scope's blocks to `future`,
   * an await of this scope (`afterForeign`: made after a foreign wait).
   */
  #noteWorkBeside(future: Future<unknown>, afterForeign: boolean): void {
    for (const block of this.#children) {
      if (block.#beside !== null && block.#awaited.length === 0) {
        block.#beside.push(future);
      } else if (
        block.#besideMoved || (block.#besideUnknown && afterForeign)
      ) {
        block.#besideMoved = block.#besideUnknown = false;
        block.#besideAwait = future;
        if (block.#besideCancel) {
          block.#besideCancel = false;
          future.cancel();
        }
      }
    }
  }

  /**
   * At the block's first await: one await alone since its entry is the
   * promise's, so blocks opened beside this one do not count it as theirs
   * (`gather(waitFor(f(), t), waitFor(g(), t))`).
   */
  #claimWorkBeside(): void {
    const pending = this.#beside?.filter((future) => !future.done());
    this.#beside = null;
    if (pending?.length === 0) {
      // From the next callback on: awaits made later in this same turn
      // (the caller's own, of a gather holding this block) are not its.
      loopInternals.callSoon(
        this.task.getLoop(),
        CancelScope.#awaitUnknown,
        this as CancelScope,
      );
    }
    if (pending?.length === 1) this.#claim(pending[0]);
  }

  /** Takes `mine` as the promise's await, which no block beside counts. */
  #claim(mine: Future<unknown>): void {
    this.#beside = null;
    this.#besideAwait = mine;
    let parent = this.parent!;
    while (!parent.#open) parent = parent.parent!;
    for (const sibling of parent.#children) {
      const theirs = sibling.#beside;
      if (sibling === this || theirs === null) continue;
      const at = theirs.indexOf(mine);
      if (at >= 0) theirs.splice(at, 1);
    }
  }

  /** One callback after a block whose promise's first await was foreign. */
  static #awaitUnknown(block: CancelScope): void {
    if (block.#open && block.#besideAwait === null) block.#besideUnknown = true;
  }

  /** Marks the blocks whose promise's await `future` was: it moves on. */
  #answered(future: Future<unknown>): void {
    if (this.#besideAwait === future) this.#besideMoved = true;
    for (const child of this.#children) child.#answered(future);
  }

  /**
   * Told when one of `root`'s task's awaits, of `future`, is answered:
   * a cancel still to be delivered to its scope is the error instead;
   * a promise beside a block that awaited it moves on.
   */
  static resume(
    root: CancelScope,
    future: Future<unknown>,
  ): CancelledError | undefined {
    if (root.#children.length === 0) return undefined;
    root.#answered(future);
    const scope = root.#scopeOf(future);
    return scope === undefined ? undefined : scope.#takeCancel();
  }

  /** The open scope, this one or one inside it, that awaited `future`. */
  #scopeOf(future: Future<unknown>): CancelScope | undefined {
    if (this.#awaited.includes(future)) return this;
    for (const child of this.#children) {
      const scope = child.#scopeOf(future);
      if (scope !== undefined) return scope;
    }
    return undefined;
  }

  /** Takes a cancel still to be delivered here or in an enclosing scope. */
  #takeCancel(): CancelledError | undefined {
    if (this.#cancelAtNextAwait) {
      this.#cancelAtNextAwait = false;
      return cancelledError();
    }
    return this.parent === null ? undefined : this.parent.#takeCancel();
  }

  /**
   * Cancels the block: every pending future awaited in it, or in a block
   * inside it, answers with `CancelledError`; if there is none, its next
   * await does.
   */
  cancel(): void {
    this.#cancelled = true;
    if (!this.#reach()) this.#cancelAtNextAwait = true;
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
   * Cancels the block, and first the promise started beside it (`waitFor`'s)
   * where its awaits are known, so that its cleanup starts before the block
   * hears of its own cancel, as asyncio's `wait_for` awaits the coroutine
   * itself. When that promise's await cannot be cancelled now (a bare
   * yield, or one already answered), its next await is, and the block
   * ends as the promise does.
   */
  cancelWithWorkBeside(): void {
    const at = this.#besideAwait;
    if (at !== null && !at.done() && !internals.isBareYield(at)) at.cancel();
    else if (at !== null) {
      this.#besideCancel = true;
      this.#cancelled = true;
      return;
    }
    this.cancel();
  }

  /**
   * The cancels the code running now sees from the blocks of `root`'s task
   * around it: one for each cancelled and not yet ended, as each counts in
   * asyncio's `cancelling()`.
   */
  static requestsAround(root: CancelScope): number {
    if (root.#children.length === 0) return 0;
    let requests = 0;
    let scope: CancelScope | null = CancelScope.#current(root);
    for (; scope !== null; scope = scope.parent) {
      if (scope.#cancelled) requests++;
    }
    return requests;
  }

  /** Ends the block; blocks still open inside it move to its parent. */
  close(): void {
    let parent = this.parent!;
    while (!parent.#open) parent = parent.parent!;
    this.#open = false;
    this.#cancelled = false;
    this.#cancelAtNextAwait = false;
    parent.#children.splice(parent.#children.indexOf(this), 1);
    parent.#children.push(...this.#children);
    this.#children = this.#awaited = NONE;
    this.#beside = null;
    this.#besideAwait = null;
    this.#besideMoved = this.#besideUnknown = this.#besideCancel = false;
  }
}
