/**
 * The event loop: scheduling, time, running a program, policies.
 *
 * ```ts
 * import { run, getRunningLoop } from "@aio/asyncio/loop";
 *
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   loop.callSoon(() => console.log("called soon"));
 * });
 * ```
 *
 * @module
 */
export type {
  AbstractEventLoop,
  ExceptionContext,
} from "./abstract_event_loop.ts";
export { Handle, TimerHandle } from "./handle.ts";
export type { HandleOwner } from "./handle.ts";
export { EventLoop } from "./event_loop.ts";
export type { ExceptionHandler, Executor, TaskFactory } from "./event_loop.ts";
export { getRunningLoop } from "./running_loop.ts";
export {
  DefaultEventLoopPolicy,
  getEventLoop,
  getEventLoopPolicy,
  newEventLoop,
  setEventLoop,
  setEventLoopPolicy,
} from "./policy.ts";
export type { EventLoopPolicy } from "./policy.ts";
export { run, Runner } from "./runner.ts";
export type { RunOptions } from "./runner.ts";
export {
  InvalidStateError,
  KeyboardInterrupt,
  RuntimeError,
} from "../internal/errors.ts";
export * from "./socket_constants.ts";
export type { AddrInfo, GetaddrinfoOptions } from "./names.ts";
export type { SockAddr } from "./net_checks.ts";
export { DatagramProtocol, DatagramTransport } from "./datagram.ts";
export type {
  DatagramEndpointOptions,
  DatagramProtocolLike,
} from "./datagram.ts";
export { ReadPipeTransport, WritePipeTransport } from "./pipes.ts";
export type { PipeProtocolLike } from "./pipes.ts";
export { BaseProtocol, BufferedProtocol, Protocol } from "./protocols.ts";
export type { StreamProtocol } from "./protocols.ts";
export { BaseTransport, Transport } from "./transports.ts";
export type { ExtraInfo, InfoValue } from "./transports.ts";
export { Server } from "./server.ts";
export type { ServerSocket } from "./server.ts";
export type {
  ConnectAcceptedSocketOptions,
  CreateConnectionOptions,
  CreateUnixConnectionOptions,
  StartTlsOptions,
} from "./create_connection.ts";
export type {
  CreateServerOptions,
  CreateUnixServerOptions,
} from "./create_server.ts";
export type { TransportSocket } from "./socket_setup.ts";
export {
  createSslContext,
  SSLCertVerificationError,
  SSLContext,
  SSLError,
  SSLObject,
} from "./tls.ts";
export type { PeerCertificate, SslContextOptions, TlsVersion } from "./tls.ts";
