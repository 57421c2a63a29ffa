/**
 * What connecting, accepting and STARTTLS share: a TLS handshake with its
 * timeout, and the transport over a connected socket with its extra info.
 *
 * @module
 */
import type { HostSocket, RawSocket } from "../internal/socket_host.ts";
import {
  type Handshake,
  kindOf,
  startHandshake,
} from "../internal/tls_host.ts";
import type { AbstractEventLoop } from "./abstract_event_loop.ts";
import { waitOnHost } from "./host_wait.ts";
import type { StreamProtocol } from "./protocols.ts";
import { internals } from "./_transport_internals.ts";
import { StreamTransport, type TransportOwner } from "./socket_transport.ts";
import {
  connectionError,
  handshakeError,
  type SSLContext,
  type SSLObject,
  sslObjectOf,
} from "./tls.ts";
import type { Future } from "../tasks/future.ts";
import { internals as loopInternals } from "./_internals.ts";

/** The TLS side of a handshake. */
export interface HandshakeRequest {
  /** The context. */
  context: SSLContext;
  /** True on the server side. */
  serverSide: boolean;
  /** The name to send and check (client side). */
  serverHostname: string | null;
  /** Seconds before the handshake is given up. */
  timeout: number;
  /** Seconds the peer has to answer the close, once connected. */
  shutdownTimeout: number;
}

/** How a handshake ends: the TLS socket, or the error. */
export type HandshakeDone = (
  result: { socket: RawSocket } | { error: Error },
) => void;

/**
 * Starts a TLS handshake over `plain`; `done` is called once, as a loop
 * callback. A failure is an `SSLError` (`SSLCertVerificationError` for a
 * certificate or name that does not check out), a timeout an error with
 * code `"ECONNABORTED"`; either way the socket is closed.
 */
export function beginHandshake(
  loop: AbstractEventLoop,
  plain: RawSocket,
  request: HandshakeRequest,
  done: HandshakeDone,
): Handshake {
  let finished = false;
  const finish = (result: { socket: RawSocket } | { error: Error }) => {
    if (finished || loop.isClosed()) {
      if ("socket" in result) result.socket.abort();
      return;
    }
    finished = true;
    timer.cancel();
    loopInternals.callSoon(loop, done, result);
  };
  const running = startHandshake(plain, {
    serverSide: request.serverSide,
    settings: loopInternals.tlsSettings(request.context),
    serverHostname: request.serverHostname,
    shutdownTimeout: request.shutdownTimeout,
  }, {
    secure: (socket) => finish({ socket }),
    failed: (failure) => finish({ error: handshakeError(failure) }),
  });
  const timer = loop.callLater(request.timeout, () => {
    running.abort();
    finish({
      error: Object.assign(
        new Error(
          `TLS handshake is taking longer than ${request.timeout} seconds: ` +
            "aborting the connection",
        ),
        { name: "ConnectionAbortedError", code: "ECONNABORTED" },
      ),
    });
  });
  return {
    abort: () => {
      finished = true;
      timer.cancel();
      running.abort();
    },
    hold: () => running.hold(),
  };
}

/**
 * Runs a TLS handshake over `plain` and returns the TLS socket; see
 * `beginHandshake`. Cancelling the awaiting task closes the socket.
 */
export async function handshake(
  loop: AbstractEventLoop & { createFuture<T>(): Future<T> },
  plain: RawSocket,
  request: HandshakeRequest,
): Promise<RawSocket> {
  const done = loop.createFuture<RawSocket>();
  const running = beginHandshake(loop, plain, request, (result) => {
    if (done.done()) {
      if ("socket" in result) result.socket.abort();
    } else if ("socket" in result) done.setResult(result.socket);
    else done.setException(result.error);
  });
  try {
    return await waitOnHost(done, running);
  } catch (error) {
    running.abort();
    throw error;
  }
}

/** How the transport over a socket is made. */
export interface TransportRequest {
  /** Keep the process alive while the transport is open. */
  holdWhileOpen: boolean;
  /** The context of a TLS socket. */
  context: SSLContext | null;
  /** Counts the transport until its `connectionLost` (a server). */
  owner?: TransportOwner | null;
  /** Call the protocol's `connectionMade` (not after STARTTLS). */
  callConnectionMade?: boolean;
}

/**
 * Makes the transport of `protocol` over the connected `raw` socket; its
 * `connectionMade` is called soon, before any other callback of it.
 */
export function transportOver(
  loop: AbstractEventLoop,
  raw: RawSocket,
  protocol: StreamProtocol,
  request: TransportRequest,
): StreamTransport {
  let socket: HostSocket | null = null;
  const extra = socketExtra(() => socket);
  if (raw.tls !== null && request.context !== null) {
    let sslObject: SSLObject | null = null;
    const ssl = () => sslObject ??= sslObjectOf(raw.tls!, request.context!);
    Object.assign(extra, {
      sslObject: ssl,
      sslcontext: () => request.context,
      peercert: () => ssl().getpeercert(),
      cipher: () => ssl().cipher(),
      compression: () => null,
    });
  }
  const transport = new StreamTransport(loop, protocol, {
    extra,
    owner: request.owner,
    holdWhileOpen: request.holdWhileOpen,
    canWriteEof: raw.tls === null,
    callConnectionMade: request.callConnectionMade,
  });
  const events = internals.streamEvents(transport);
  socket = raw.attach(
    raw.tls === null ? events : {
      ...events,
      onClose: (error) =>
        events.onClose(
          error && connectionError({ error, kind: kindOf(error) }),
        ),
    },
  );
  transport.attach(socket);
  return transport;
}

/** What `getExtraInfo("socket")` gives: the socket's own description. */
export interface TransportSocket {
  /** Python's number: `AF_INET` (2), `AF_INET6` (10) or `AF_UNIX` (1). */
  readonly family: number;
  /** `SOCK_STREAM` (1). */
  readonly type: number;
  /** This end's address. */
  getsockname(): unknown;
  /** The peer's address. */
  getpeername(): unknown;
}

const FAMILY_NUMBERS: Record<string, number> = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
};

function socketExtra(
  socket: () => HostSocket | null,
): Record<string, () => unknown> {
  let described: TransportSocket | null = null;
  return {
    peername: () => socket()?.peerAddress() ?? null,
    sockname: () => socket()?.localAddress() ?? null,
    socket: () => {
      const host = socket();
      if (host === null) return null;
      return described ??= Object.freeze({
        family: FAMILY_NUMBERS[host.family()],
        type: 1,
        getsockname: () => host.localAddress(),
        getpeername: () => host.peerAddress(),
      });
    },
  };
}
