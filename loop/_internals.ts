/**
 * The loop's package-private entry points, kept out of the public API: the
 * classes that own the state fill them in their `static {}` blocks, and no
 * `mod.ts` re-exports this module. It imports types and the running-loop
 * lookup only, so `tasks/` may use the scheduling entries that `EventLoop`
 * fills.
 *
 * @module
 */
import { runningLoop } from "../internal/context.ts";
import type { ListenTarget, TlsDetails } from "../internal/socket_host.ts";
import type { TlsSettings } from "../internal/tls_context.ts";
import type { AbstractEventLoop } from "./abstract_event_loop.ts";
import type { ConnectingLoop } from "./create_connection.ts";
import type { EventLoop } from "./event_loop.ts";
import type { Handle } from "./handle.ts";
import type { Server, ServerSetup } from "./server.ts";
import type { SSLContext, SSLObject } from "./tls.ts";

/** Filled by `EventLoop`, `SSLContext`, `SSLObject` and `Server`. */
export const internals: {
  /**
   * As `loop.callSoon(callback, arg)`, without a handle to cancel: the hot
   * path of futures and tasks, whose callbacks check their own state. Any
   * loop works; an `EventLoop` queues the call with no handle.
   */
  callSoon<T>(
    loop: AbstractEventLoop,
    callback: (arg: T) => unknown,
    arg: T,
  ): void;
  /**
   * As `callSoon`, from a host callback (bytes arrived, a stream closed):
   * such a callback is a host turn of its own and runs outside any task
   * step, so an idle `EventLoop` goes on at once instead of on one more
   * turn.
   */
  callSoonFromHost<T>(
    loop: AbstractEventLoop,
    callback: (arg: T) => unknown,
    arg: T,
  ): void;
  /**
   * As `loop.callAt(when, ...)`, or `loop.callSoon(...)` when `when` is
   * null, without copying the caller's context: for the library's own
   * callbacks, which read no user context.
   */
  callAt<A extends unknown[]>(
    loop: AbstractEventLoop,
    when: number | null,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle;
  /**
   * The loop of a future or task made without one (also by
   * `ensureFuture`): the running loop, else the current loop if one is
   * set; a `RuntimeError` when neither.
   */
  loopForNewFuture(): AbstractEventLoop;
  /** True while `loop` has callbacks ready to run. */
  hasReadyCallbacks(loop: EventLoop): boolean;
  /** A new `SSLContext` (its constructor is private). */
  newSslContext(
    purpose: "serverAuth" | "clientAuth",
    settings: TlsSettings,
  ): SSLContext;
  /** The settings of `context`, as the host adapter needs them. */
  tlsSettings(context: SSLContext): TlsSettings;
  /** A new `SSLObject` (its constructor is private). */
  newSslObject(details: TlsDetails, context: SSLContext): SSLObject;
  /** A new `Server` listening on every target. */
  openServer<A>(
    loop: ConnectingLoop,
    setup: ServerSetup,
    targets: ListenTarget[],
    startServing: boolean,
  ): Promise<Server<A>>;
} = {} as typeof internals;

// The public calls, until `EventLoop` fills in its fast path.
internals.callSoon = (loop, callback, arg) => void loop.callSoon(callback, arg);
internals.callSoonFromHost = internals.callSoon;
internals.loopForNewFuture = () => runningLoop() as AbstractEventLoop;
internals.callAt = (loop, when, callback, ...args) =>
  when === null
    ? loop.callSoon(callback, ...args)
    : loop.callAt(when, callback, ...args);
