/**
 * Reading the environment where the runtime allows it (Deno asks for
 * permission; without it the variable counts as unset).
 *
 * @module
 */
import process from "node:process";

/** The value of environment variable `name`, or `undefined`. */
export function readEnv(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}
