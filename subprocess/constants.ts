/**
 * Where a child's standard streams go, as in Python's `subprocess`.
 *
 * @module
 */

/**
 * Connects the stream to a pipe: `process.stdin`, `process.stdout` or
 * `process.stderr` is then a stream of the parent.
 *
 * @example Reading a child's output
 * ```ts
 * import { createSubprocessExec, PIPE } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const out = await run(async () => {
 *   const child = await createSubprocessExec("sh", "-c", "echo hi", {
 *     stdout: PIPE,
 *   });
 *   const [stdout] = await child.communicate();
 *   return new TextDecoder().decode(stdout!);
 * });
 * assert.equal(out, "hi\n");
 * ```
 */
export const PIPE: number = -1;

/**
 * For `stderr` only: sends the child's errors wherever its stdout goes.
 * With `stdout: PIPE` both write to one channel, so `process.stdout` reads
 * their bytes in the order the child wrote them and `process.stderr` is
 * `null`. (Deno, Bun and Node cannot make an OS pipe, so the channel is a
 * connected pair of Unix-domain stream sockets; the child writes to it as
 * to a pipe.)
 *
 * @example Errors and output together, in the child's order
 * ```ts
 * import { createSubprocessShell, PIPE, STDOUT } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [out, err] = await run(async () => {
 *   const child = await createSubprocessShell(
 *     "echo one; echo two >&2; echo three; echo four >&2",
 *     { stdout: PIPE, stderr: STDOUT },
 *   );
 *   return await child.communicate();
 * });
 * assert.equal(new TextDecoder().decode(out!), "one\ntwo\nthree\nfour\n");
 * assert.equal(err, null);
 * ```
 */
export const STDOUT: number = -2;

/**
 * Connects the stream to the null device: the child reads nothing and
 * what it writes is dropped.
 *
 * @example Silencing a child
 * ```ts
 * import { createSubprocessExec, DEVNULL } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const code = await run(async () => {
 *   const child = await createSubprocessExec("sh", "-c", "echo quiet", {
 *     stdout: DEVNULL,
 *   });
 *   return await child.wait();
 * });
 * assert.equal(code, 0);
 * ```
 */
export const DEVNULL: number = -3;
