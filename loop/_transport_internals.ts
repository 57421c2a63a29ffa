/**
 * The transports' package-private entry points, kept out of the public
 * API: the classes that own the state fill them in their `static {}`
 * blocks, and no `mod.ts` re-exports this module.
 *
 * @module
 */
import type { RawSocket } from "../internal/socket_host.ts";
import type { StreamEvents } from "../internal/stream_host.ts";
import type { HostUdpSocket, UdpEvents } from "../internal/udp_host.ts";
import type { DatagramProtocolLike, DatagramTransport } from "./datagram.ts";
import type { EventLoop } from "./event_loop.ts";
import type {
  PipeProtocolLike,
  ReadPipeTransport,
  WritePipeTransport,
} from "./pipes.ts";
import type { SockAddr } from "./net_checks.ts";
import type { StreamProtocol } from "./protocols.ts";
import type { StreamTransport, TransportOwner } from "./socket_transport.ts";

/** A pipe transport just opened, and how to start or drop it. */
export interface OpenedPipe<T> {
  /** The transport. */
  transport: T;
  /** Tells `protocol` of the pipe through the loop; reading starts. */
  start(protocol: PipeProtocolLike): void;
  /** Closes a pipe whose protocol could not be made. */
  discard(): void;
}

/** Filled by `StreamTransport`, `DatagramTransport` and the pipe transports. */
export const internals: {
  /** Keeps the process alive while a task waits on `transport`. */
  hold(transport: StreamTransport): () => void;
  /** Keeps the process alive while a task waits on a read pipe. */
  holdReadPipe(transport: ReadPipeTransport): () => void;
  /** What the host stream under `transport` reports to. */
  streamEvents(transport: StreamTransport): StreamEvents;
  /**
   * Gives the socket of `transport` away for a TLS handshake: the
   * transport is closed without calling its protocol; its owner still
   * counts it until `releaseOwner`. `unread` gathers the bytes it got and
   * did not deliver, also those whose delivery is still queued on the loop.
   */
  detachForTls(transport: StreamTransport): {
    raw: RawSocket;
    owner: TransportOwner | null;
    holdWhileOpen: boolean;
    unread: Uint8Array[];
  };
  /** After `detachForTls`: the owner stops counting `transport`. */
  releaseOwner(transport: StreamTransport): void;
  /**
   * After `detachForTls`, when the handshake failed or was cancelled:
   * `protocol` gets `connectionLost(error)` from the loop, and the owner
   * stops counting `transport`.
   */
  loseAfterTls(
    transport: StreamTransport,
    protocol: StreamProtocol,
    error: Error | null,
  ): void;
  /** A new endpoint, not yet open; `datagramEvents` is what its socket reports to. */
  newDatagramTransport(
    loop: EventLoop,
    address: SockAddr | null,
    connected: boolean,
    ipv6: boolean,
  ): DatagramTransport;
  /** What the host socket under `transport` reports to. */
  datagramEvents(transport: DatagramTransport): UdpEvents;
  /**
   * Gives `transport` its open socket and its protocol: `connectionMade`,
   * then what arrived meanwhile, go to the loop.
   */
  startDatagram(
    transport: DatagramTransport,
    host: HostUdpSocket,
    protocol: DatagramProtocolLike,
  ): void;
  /** Opens `pipe` for reading; its events wait for `start`. */
  openReadPipe(loop: EventLoop, pipe: unknown): OpenedPipe<ReadPipeTransport>;
  /** Opens `pipe` for writing. */
  openWritePipe(
    loop: EventLoop,
    pipe: unknown,
  ): OpenedPipe<WritePipeTransport>;
} = {} as typeof internals;
