// Small helpers for the sync tests, built on the core only.
import { sleep, type Task } from "../../mod.ts";

/** The outcome of awaiting `x`: its value, or the error it threw. */
export async function outcome<T>(
  x: PromiseLike<T>,
): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await x };
  } catch (error) {
    return { error };
  }
}

/** The error `x` throws; fails if it resolves, or throws not a `type`. */
export async function errorOf(x: PromiseLike<unknown>): Promise<unknown>;
export async function errorOf<E>(
  x: PromiseLike<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E>;
export async function errorOf<E>(
  x: PromiseLike<unknown>,
  type?: abstract new (...args: never[]) => E,
): Promise<unknown> {
  const result = await outcome(x);
  if (!("error" in result)) {
    throw new Error(`Expected an error, got ${String(result.value)}`);
  }
  if (type !== undefined && !(result.error instanceof type)) {
    throw new Error(`Expected a ${type.name}, got ${String(result.error)}`);
  }
  return result.error;
}

/** A seeded generator of floats in [0, 1) (mulberry32), to replay failures. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sleeps 0 until every task is done; returns how many sleeps it took, or
 * gives up after 100 (every CPython 3.13 scenario ported here takes fewer), so
 * that a lost wake-up fails the test instead of hanging it.
 */
export async function sleepsUntilDone(tasks: Task<unknown>[]): Promise<number> {
  let sleeps = 0;
  while (!tasks.every((task) => task.done()) && sleeps < 100) {
    await sleep(0);
    sleeps++;
  }
  return sleeps;
}
