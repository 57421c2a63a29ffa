// Seeded random schedules: many tasks acquire, release, put and get, with
// deadlines of a few loop iterations (asyncio.timeout's mechanism: cancel
// the task, then uncancel) and tasks cancelled at random. Each schedule
// checks the invariants: mutual exclusion and capacity, FIFO grants, no item
// lost or duplicated, exact counts, no lost wake-up, no deadlock. A failure
// names its seed; SYNC_FUZZ_SEED=<seed> makes that seed run first.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  sleep,
  type Task,
} from "../../mod.ts";
import {
  BoundedSemaphore,
  Condition,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  QueueShutDown,
  Semaphore,
} from "../../sync/mod.ts";
import { random } from "./helpers.ts";

/** Loop iterations a phase may take before it counts as a deadlock. */
const WATCHDOG = 5000;
/** Iterations a quiet state must last to count as settled. */
const SETTLED = 30;

function baseSeed(): number {
  try {
    const env = (globalThis as {
      process?: { env?: Record<string, string | undefined> };
    }).process?.env;
    const value = Number(env?.SYNC_FUZZ_SEED);
    return Number.isInteger(value) ? value : 20250101;
  } catch {
    return 20250101;
  }
}

/** The random choices of one schedule. */
class Chance {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = random(seed);
  }
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /**
   * Cancels one of `tasks` with probability `p`, at most a few times per
   * schedule, so that a task left asleep forever is still caught.
   */
  chaos(tasks: readonly Task<unknown>[], p: number): void {
    if (this.#cancels > 0 && tasks.length > 0 && this.chance(p)) {
      this.#cancels--;
      this.pick(tasks).cancel();
    }
  }
  #cancels = 4;
  /** A deadline in loop iterations, or null for none. */
  deadline(p = 0.3): number | null {
    return this.chance(p) ? this.int(4) : null;
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`invariant broken: ${message}`);
}

const TIMED_OUT = Symbol("timed out");

/**
 * Awaits `fn()` under a deadline of `iterations` loop iterations (null: no
 * deadline), as asyncio.timeout() does: the deadline cancels the task and
 * is withdrawn with uncancel(). Half the deadlines use a timer instead.
 */
async function attempt<T>(
  chance: Chance,
  iterations: number | null,
  fn: () => Promise<T>,
): Promise<T | typeof TIMED_OUT> {
  if (iterations === null) return await fn();
  const task = currentTask()!;
  const loop = getRunningLoop();
  let live = true;
  let fired = false;
  const expire = () => {
    if (!live) return;
    fired = true;
    task.cancel();
  };
  let timer: { cancel(): void } | null = null;
  if (chance.chance(0.5)) {
    timer = loop.callLater(0, expire);
  } else {
    let left = iterations;
    const step = () => {
      if (!live) return;
      if (left-- <= 0) expire();
      else loop.callSoon(step);
    };
    loop.callSoon(step);
  }
  let value: T;
  try {
    value = await fn();
  } catch (error) {
    live = false;
    timer?.cancel();
    if (fired && task.uncancel() === 0 && error instanceof CancelledError) {
      return TIMED_OUT;
    }
    throw error;
  } finally {
    live = false;
    timer?.cancel();
  }
  if (fired) task.uncancel(); // expired too late to interrupt anything
  return value;
}

/**
 * Lets the loop run until every task is done, cancelling a random task now
 * and then when `chaos` is set; a deadlock fails after WATCHDOG iterations.
 */
async function finish(
  tasks: Task<unknown>[],
  chance: Chance | null,
  what: string,
): Promise<void> {
  for (let spins = 0; !tasks.every((task) => task.done()); spins++) {
    check(spins < WATCHDOG, `${what} made no progress (deadlock)`);
    chance?.chaos(tasks, 0.05);
    await sleep(0);
  }
  for (const task of tasks) if (!task.cancelled()) task.result();
}

/** Waits until `quiet()` has held for SETTLED iterations in a row. */
async function settle(quiet: () => boolean, what: string): Promise<void> {
  let calm = 0;
  for (let spins = 0; calm < SETTLED; spins++) {
    check(spins < WATCHDOG, `${what} never settled (deadlock or livelock)`);
    calm = quiet() ? calm + 1 : 0;
    await sleep(0);
  }
}

// -- Lock, Semaphore, BoundedSemaphore ---------------------------------------

async function semaphoreSchedule(chance: Chance): Promise<void> {
  const kind = chance.pick(["lock", "semaphore", "bounded"] as const);
  const capacity = kind === "lock" ? 1 : 1 + chance.int(3);
  const primitive = kind === "lock"
    ? new Lock()
    : kind === "semaphore"
    ? new Semaphore(capacity)
    : new BoundedSemaphore(capacity);
  let holders = 0;
  let nextRequest = 0;
  const grants: number[] = [];
  const worker = async () => {
    const rounds = 1 + chance.int(4);
    for (let round = 0; round < rounds; round++) {
      const request = nextRequest++;
      // Recorded as the acquire() resolves: the order the slots were given.
      const ticket = await attempt(
        chance,
        chance.deadline(),
        () =>
          primitive.acquire().then((ticket) => {
            grants.push(request);
            return ticket;
          }),
      );
      if (ticket === TIMED_OUT) continue;
      holders++;
      check(holders <= capacity, `${holders} holders of ${capacity} slots`);
      try {
        for (let i = chance.int(3); i > 0; i--) await sleep(0);
      } finally {
        holders--;
        if (chance.chance(0.5)) ticket[Symbol.dispose]();
        else primitive.release();
        // Often hits a waiter just woken by this release, before it runs.
        chance.chaos(workers, 0.3);
      }
    }
  };
  const workers: Task<void>[] = [];
  for (let i = 2 + chance.int(7); i > 0; i--) workers.push(createTask(worker));
  await finish(workers, chance, `${kind} workers`);
  check(holders === 0, "a slot is still held");
  // FIFO: with one slot, grants come strictly in request order. With more,
  // tasks given slots at the same time may resume in another order (a
  // future resolved before its awaiter registers resumes without a loop
  // turn), so grants may only swap within a window of the capacity.
  for (let i = 0; i < grants.length; i++) {
    for (let j = i + capacity; j < grants.length; j++) {
      check(grants[i] < grants[j], `grants out of order: ${grants}`);
    }
  }
  // Every slot is free again: capacity acquisitions succeed at once.
  for (let i = 0; i < capacity; i++) {
    check(!primitive.locked(), `slot ${i} of ${capacity} was lost`);
    await primitive.acquire();
  }
  check(primitive.locked(), "more slots than the capacity");
}

// -- Condition -----------------------------------------------------------------

async function conditionSchedule(chance: Chance): Promise<void> {
  const condition = new Condition();
  let tokens = 0;
  let produced = 0;
  let consumed = 0;
  let inside = 0;
  let closed = false;
  const enter = () => {
    inside++;
    check(inside === 1, "two tasks inside the condition's lock");
    check(condition.locked(), "inside without the lock");
  };
  const consumer = async () => {
    for (let round = 1 + chance.int(5); round > 0 && !closed; round--) {
      const ticket = await attempt(
        chance,
        chance.deadline(0.2),
        () => condition.acquire(),
      );
      if (ticket === TIMED_OUT) continue;
      enter();
      try {
        inside--; // wait() releases the lock
        const deadline = chance.deadline();
        let result: boolean | typeof TIMED_OUT;
        try {
          result = await attempt(
            chance,
            deadline,
            () => condition.waitFor(() => tokens > 0 || closed),
          );
        } finally {
          enter(); // wait() always takes the lock back
        }
        if (result !== TIMED_OUT && tokens > 0) {
          tokens--;
          consumed++;
        }
      } finally {
        inside--;
        ticket.release();
      }
    }
  };
  const producer = async () => {
    for (let round = 1 + chance.int(5); round > 0; round--) {
      for (let i = chance.int(3); i > 0; i--) await sleep(0);
      const ticket = await attempt(
        chance,
        chance.deadline(0.2),
        () => condition.acquire(),
      );
      if (ticket === TIMED_OUT) continue;
      enter();
      try {
        tokens++;
        produced++;
        if (chance.chance(0.2)) condition.notifyAll();
        else condition.notify(1);
        chance.chaos(consumers, 0.3);
      } finally {
        inside--;
        ticket.release();
      }
    }
  };
  const consumers: Task<void>[] = [];
  for (let i = 1 + chance.int(5); i > 0; i--) {
    consumers.push(createTask(consumer));
  }
  const producers = Array.from(
    { length: 1 + chance.int(3) },
    () => createTask(producer),
  );
  await finish(producers, chance, "condition producers");
  {
    using _ = await condition.acquire();
    closed = true;
    condition.notifyAll();
  }
  await finish(consumers, chance, "condition consumers");
  check(tokens === produced - consumed, "token count drifted");
  check(tokens >= 0, "tokens went negative");
}

async function conditionWakeUps(chance: Chance): Promise<void> {
  // Consumers wait for tokens with no chaos during the settle, so a
  // consumer left asleep while a token waits is a lost wake-up.
  const condition = new Condition();
  let tokens = 0;
  let closed = false;
  const asleep = new Set<number>();
  const consumer = async (id: number) => {
    while (!closed) {
      const deadline = chance.deadline(0.4);
      using _ = await condition.acquire();
      let result: boolean | typeof TIMED_OUT;
      try {
        result = await attempt(chance, deadline, () =>
          condition.waitFor(() => {
            const ready = tokens > 0 || closed;
            if (!ready && deadline === null) asleep.add(id);
            else asleep.delete(id);
            return ready;
          }));
      } finally {
        asleep.delete(id);
        check(condition.locked(), "wait() left without the lock");
      }
      if (result !== TIMED_OUT && tokens > 0) tokens--;
      if (chance.chance(0.3)) return; // leaves early now and then
    }
  };
  const consumers = Array.from(
    { length: 1 + chance.int(6) },
    (_, id) => createTask(() => consumer(id)),
  );
  for (let round = chance.int(8); round > 0; round--) {
    for (let i = chance.int(3); i > 0; i--) await sleep(0);
    using _ = await condition.acquire();
    tokens++;
    condition.notify(1);
    // Often hits the consumer just notified, before it runs.
    chance.chaos(consumers, 0.4);
  }
  const live = () => consumers.filter((task) => !task.done()).length;
  await settle(() => asleep.size === live(), "condition consumers");
  check(
    tokens === 0 || live() === 0,
    `lost wake-up: ${live()} consumers asleep while ${tokens} tokens wait`,
  );
  {
    using _ = await condition.acquire();
    closed = true;
    condition.notifyAll();
  }
  await finish(consumers, null, "condition consumers at close");
}

// -- Queue, LifoQueue, PriorityQueue -------------------------------------------

async function queueSchedule(chance: Chance): Promise<void> {
  const kind = chance.pick(["fifo", "lifo", "priority"] as const);
  const maxsize = chance.int(4);
  type Item = number | [number, number];
  const queue: Queue<Item> = kind === "fifo"
    ? new Queue(maxsize)
    : kind === "lifo"
    ? new LifoQueue(maxsize)
    : new PriorityQueue(maxsize);
  const idOf = (item: Item) => typeof item === "number" ? item : item[1];
  const produced = new Set<number>();
  const consumed: number[] = [];
  let nextId = 0;
  const asleep = new Set<number>(); // consumers in get() with no deadline
  const producer = async () => {
    for (let round = 1 + chance.int(6); round > 0; round--) {
      const id = nextId++;
      const item: Item = kind === "priority" ? [chance.int(5), id] : id;
      const done = await attempt(chance, chance.deadline(), async () => {
        await queue.put(item);
        return true;
      });
      if (done !== TIMED_OUT) produced.add(id);
      chance.chaos(victims, 0.2); // often a getter this put just woke
      for (let i = chance.int(2); i > 0; i--) await sleep(0);
    }
  };
  const consumer = async (id: number) => {
    for (;;) {
      const deadline = chance.deadline();
      let item: Item | typeof TIMED_OUT;
      if (deadline === null) asleep.add(id);
      try {
        item = await attempt(chance, deadline, () => queue.get());
      } catch (error) {
        if (error instanceof QueueShutDown) return;
        throw error;
      } finally {
        asleep.delete(id);
      }
      if (item === TIMED_OUT) continue;
      consumed.push(idOf(item));
      queue.taskDone();
      chance.chaos(victims, 0.2); // often a putter this get just woke
      for (let i = chance.int(2); i > 0; i--) await sleep(0);
    }
  };
  // Consumer 0 is spared by the chaos, so producers can always finish.
  const victims: Task<void>[] = [];
  const producers: Task<void>[] = [];
  for (let i = 1 + chance.int(4); i > 0; i--) {
    producers.push(createTask(producer));
  }
  const consumers = Array.from(
    { length: 1 + chance.int(4) },
    (_, id) => createTask(() => consumer(id)),
  );
  victims.push(...producers, ...consumers.slice(1));
  for (let spins = 0; !producers.every((task) => task.done()); spins++) {
    check(spins < WATCHDOG, `${kind} producers made no progress (deadlock)`);
    chance.chaos(victims, 0.05);
    await sleep(0);
  }
  for (const task of producers) if (!task.cancelled()) task.result();
  const live = () => consumers.filter((task) => !task.done()).length;
  await settle(() => asleep.size === live(), `${kind} consumers`);
  check(queue.empty(), `lost wake-up: ${queue.qsize()} items left unread`);

  const immediate = chance.chance(0.5);
  const left = queue.qsize();
  queue.shutdown(immediate);
  await finish(consumers, null, `${kind} consumers after shutdown`);
  for (const task of consumers) if (!task.cancelled()) task.result();

  check(new Set(consumed).size === consumed.length, "an item came out twice");
  for (const id of consumed) check(produced.has(id), `item ${id} was not put`);
  const dropped = immediate ? left : 0;
  check(
    consumed.length + dropped === produced.size,
    `items lost: put ${produced.size}, got ${consumed.length}, dropped ${dropped}`,
  );
  check(queue.qsize() === 0, "items left after shutdown");
  const joined = createTask(() => queue.join());
  await finish([joined], null, "join()");
  assert.throws(() => queue.taskDone(), RangeError);
}

// -- the runs ------------------------------------------------------------------

async function runSchedules(
  name: string,
  count: number,
  schedule: (chance: Chance) => Promise<void>,
): Promise<void> {
  const base = baseSeed();
  await run(async () => {
    for (let i = 0; i < count; i++) {
      const seed = base + i;
      try {
        await schedule(new Chance(seed));
      } catch (error) {
        const message = `${name} failed with seed ${seed} ` +
          `(rerun it first with SYNC_FUZZ_SEED=${seed})`;
        console.error(message);
        throw new Error(`${message}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  });
}

describe("randomized schedules", () => {
  it("Lock, Semaphore and BoundedSemaphore under cancels and timeouts", () =>
    runSchedules("semaphore schedule", 1000, semaphoreSchedule));

  it("Condition under cancels and timeouts", () =>
    runSchedules("condition schedule", 600, conditionSchedule));

  it("Condition loses no wake-up", () =>
    runSchedules("condition wake-up schedule", 600, conditionWakeUps));

  it("Queue, LifoQueue and PriorityQueue under cancels and timeouts", () =>
    runSchedules("queue schedule", 1000, queueSchedule));
});
