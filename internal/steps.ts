/**
 * Which task steps are running now, so that the loop can keep each step
 * atomic. An asyncio await of something ready (a done future, a free lock)
 * does not suspend, but a JS `await` still takes a microtask hop, so a
 * woken task's step is a chain of microtasks. The loop runs its next ready
 * callback only once every step that began has ended: its task suspended
 * on a pending future, or finished; the step's end tells the loop. A step
 * left waiting on something the library cannot see (a foreign promise) is
 * over once the microtask queue runs dry; the loop then forgets every step
 * still counted.
 *
 * @module
 */

/** Called once no step runs; null while no loop waits. */
let wakeLoop: (() => void) | null = null;

function stepsOver(): void {
  const wake = wakeLoop;
  wakeLoop = null;
  wake?.();
}

/** Bumped whenever the loop forgets the steps it counted. */
let epoch = 1;
/** Steps begun in this epoch and not ended. */
let running = 0;

/**
 * Records that a step began; returns the token that ends it. A token is
 * never 0, so 0 can stand for "no step".
 */
export function beginStep(): number {
  running++;
  return epoch;
}

/** Ends the step begun with `token`; a forgotten step or 0 ends nothing. */
export function endStep(token: number): void {
  if (token === epoch && --running === 0) stepsOver();
}

/** True if the step begun with `token` is still counted. */
export function isRunningStep(token: number): boolean {
  return token === epoch;
}

/** True while some step that began has not ended. */
export function stepsRunning(): boolean {
  return running !== 0;
}

/**
 * Calls `listener` once, synchronously, when the last running step ends; for
 * the loop, while `stepsRunning()`. Two loops side by side may both wait.
 */
export function whenStepsEnd(listener: () => void): void {
  const earlier = wakeLoop;
  wakeLoop = earlier === null ? listener : () => {
    earlier();
    listener();
  };
}

/**
 * Forgets every step, ending the loop's wait: called once the microtask
 * queue ran dry while a step was counted, so it waits on foreign work.
 */
export function forgetSteps(): void {
  epoch++;
  running = 0;
  stepsOver();
}
