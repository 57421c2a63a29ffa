/**
 * Which runtime runs the library, for the adapters that pick the cheapest
 * way per runtime (measured, each where it is used).
 *
 * @module
 */

/** `"deno"`, `"bun"`, or `"node"` for Node and anything else. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";
