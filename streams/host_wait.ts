/**
 * How every stream and subprocess wait is made; it lives with the loop's
 * transports.
 *
 * @module
 */
export { type Holdable, holdUntilDone, waitOnHost } from "../loop/host_wait.ts";
