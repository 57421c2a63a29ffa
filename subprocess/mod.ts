/**
 * Child processes, as in Python's asyncio: `createSubprocessExec()` runs a
 * program with its arguments passed verbatim, `createSubprocessShell()`
 * runs a shell command; both give a `Process` whose pipes are the
 * `StreamReader`/`StreamWriter` of `@aio/asyncio/streams`.
 *
 * ```ts
 * import { createSubprocessExec, PIPE } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 *
 * await run(async () => {
 *   const child = await createSubprocessExec("echo", "hi", { stdout: PIPE });
 *   const [stdout] = await child.communicate();
 *   console.log(new TextDecoder().decode(stdout!), child.returncode);
 * });
 * ```
 *
 * @module
 */
export {
  createSubprocessExec,
  createSubprocessShell,
} from "./create_subprocess.ts";
export type { SubprocessOptions } from "./create_subprocess.ts";
export { Process } from "./process.ts";
export { DEVNULL, PIPE, STDOUT } from "./constants.ts";
