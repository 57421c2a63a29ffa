/**
 * `loop.createConnection`, `loop.createUnixConnection`,
 * `loop.connectAcceptedSocket` and `loop.startTls`: a protocol and its
 * transport over a TCP or Unix socket, plain or TLS.
 *
 * @module
 */
import {
  adoptSocket,
  connect,
  type ConnectTarget,
  type RawSocket,
} from "../internal/socket_host.ts";
import { checkFunction, checkOptions } from "../internal/validate.ts";
import { RuntimeError } from "../internal/errors.ts";
import type { Future } from "../tasks/future.ts";
import type { AbstractEventLoop } from "./abstract_event_loop.ts";
import {
  checkBoolean,
  checkFamily,
  checkHost,
  checkLocalAddr,
  checkPath,
  checkPort,
  checkTls,
  type TlsChoice,
} from "./connection_checks.ts";
import { waitOnHost } from "./host_wait.ts";
import type { StreamProtocol } from "./protocols.ts";
import { handshake, transportOver } from "./socket_setup.ts";
import { StreamTransport } from "./socket_transport.ts";
import type { Transport } from "./transports.ts";
import { checkSsl, type SSLContext } from "./tls.ts";
import { checkSeconds, describe } from "../internal/validate.ts";

/** A loop as the connection functions use it. */
export type ConnectingLoop = AbstractEventLoop & {
  createFuture<T>(): Future<T>;
};

/** Options of `loop.createConnection()`. */
export interface CreateConnectionOptions {
  /** `true` (verify against the system's authorities), a context, or off. */
  ssl?: boolean | SSLContext | null;
  /** The name to send (SNI) and check the certificate against; `host` by default. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /** `AF_INET` (2) or `AF_INET6` (10) to use only that family; 0 for any. */
  family?: number;
  /** `[host, port]` to bind the socket to before connecting. */
  localAddr?: [host: string, port: number] | null;
  /** Turns TCP keep-alive probes on. */
  keepAlive?: boolean;
}

const CONNECTION_OPTIONS: (keyof CreateConnectionOptions)[] = [
  "ssl",
  "serverHostname",
  "sslHandshakeTimeout",
  "family",
  "localAddr",
  "keepAlive",
];

/** Options of `loop.createUnixConnection()`. */
export interface CreateUnixConnectionOptions {
  /** As for `createConnection`; `serverHostname` is then required. */
  ssl?: boolean | SSLContext | null;
  /** The name to send (SNI) and check the certificate against. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
}

const UNIX_CONNECTION_OPTIONS: (keyof CreateUnixConnectionOptions)[] = [
  "ssl",
  "serverHostname",
  "sslHandshakeTimeout",
];

/** What a protocol factory makes. */
export type ProtocolFactory<P extends StreamProtocol> = () => P;

/** How a connection's transport is made; for streams and the loop. */
export interface ConnectionRequest {
  /** Keep the process alive while the transport is open. */
  holdWhileOpen: boolean;
  /** Options the caller took out before, named when one is refused. */
  extraOptions?: readonly string[];
}

/** `loop.createConnection`, checked; see `EventLoop.createConnection`. */
export async function createConnection<P extends StreamProtocol>(
  loop: ConnectingLoop,
  protocolFactory: ProtocolFactory<P>,
  host: string,
  port: number,
  options: CreateConnectionOptions | undefined,
  request: ConnectionRequest,
  caller = "createConnection()",
): Promise<[Transport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  checkHost(host);
  checkPort(port);
  const given = checkOptions<CreateConnectionOptions>(
    options,
    caller,
    [
      ...CONNECTION_OPTIONS,
      ...request.extraOptions ?? [],
    ] as typeof CONNECTION_OPTIONS,
  );
  const tls = checkTls(given, caller, host, false);
  const target: ConnectTarget = { host, port };
  if (given.family !== undefined) target.family = checkFamily(given.family);
  if (given.localAddr != null) {
    [target.localHost, target.localPort] = checkLocalAddr(given.localAddr);
  }
  if (given.keepAlive !== undefined) {
    target.keepAlive = checkBoolean(given.keepAlive, "keepAlive");
  }
  return await connectTo(loop, protocolFactory, target, tls, request);
}

/** `loop.createUnixConnection`, checked. */
export async function createUnixConnection<P extends StreamProtocol>(
  loop: ConnectingLoop,
  protocolFactory: ProtocolFactory<P>,
  path: string,
  options: CreateUnixConnectionOptions | undefined,
  request: ConnectionRequest,
  caller = "createUnixConnection()",
): Promise<[Transport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  checkPath(path);
  const given = checkOptions<CreateUnixConnectionOptions>(
    options,
    caller,
    [
      ...UNIX_CONNECTION_OPTIONS,
      ...request.extraOptions ?? [],
    ] as typeof UNIX_CONNECTION_OPTIONS,
  );
  const tls = checkTls(given, caller, null, false);
  return await connectTo(loop, protocolFactory, { path }, tls, request);
}

async function connectTo<P extends StreamProtocol>(
  loop: ConnectingLoop,
  protocolFactory: ProtocolFactory<P>,
  target: ConnectTarget,
  tls: TlsChoice,
  request: ConnectionRequest,
): Promise<[Transport, P]> {
  const connected = loop.createFuture<RawSocket>();
  const connecting = connect(target, {
    connected: (socket) => {
      if (!connected.done() && !loop.isClosed()) connected.setResult(socket);
      else socket.abort();
    },
    failed: (error) => {
      if (!connected.done() && !loop.isClosed()) {
        connected.setException(error);
      }
    },
  });
  let raw: RawSocket;
  try {
    raw = await waitOnHost(connected, connecting);
  } catch (error) {
    connecting.abort();
    throw error;
  }
  return await finishConnection(loop, raw, protocolFactory, tls, {
    serverSide: false,
    holdWhileOpen: request.holdWhileOpen,
  });
}

/**
 * Makes the protocol and its transport over a connected socket, after a
 * TLS handshake if asked; returns once `connectionMade` was called.
 */
async function finishConnection<P extends StreamProtocol>(
  loop: ConnectingLoop,
  raw: RawSocket,
  protocolFactory: ProtocolFactory<P>,
  tls: TlsChoice,
  how: { serverSide: boolean; holdWhileOpen: boolean },
): Promise<[Transport, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
    if (tls.context !== null) {
      raw = await handshake(loop, raw, {
        context: tls.context,
        serverSide: how.serverSide,
        serverHostname: tls.serverHostname,
        timeout: tls.handshakeTimeout,
      });
    }
  } catch (error) {
    raw.abort();
    throw error;
  }
  const transport = transportOver(loop, raw, protocol, {
    holdWhileOpen: how.holdWhileOpen,
    context: tls.context,
  });
  try {
    await afterPendingCallbacks(loop, transport);
  } catch (error) {
    transport.close();
    throw error;
  }
  return [transport, protocol];
}

/**
 * Waits until the callbacks scheduled so far (the protocol's
 * `connectionMade`) have run, as asyncio's waiter does.
 */
async function afterPendingCallbacks(
  loop: ConnectingLoop,
  transport: StreamTransport,
): Promise<void> {
  const waiter = loop.createFuture<void>();
  loop.callSoonInternal((future: Future<void>) => {
    if (!future.done()) future.setResult();
  }, waiter);
  await waitOnHost(waiter, transport);
}

/** Options of `loop.connectAcceptedSocket()`. */
export interface ConnectAcceptedSocketOptions {
  /** A server context: the TLS handshake is made as the server. */
  ssl?: SSLContext | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
}

/** `loop.connectAcceptedSocket`, checked. */
export async function connectAcceptedSocket<P extends StreamProtocol>(
  loop: ConnectingLoop,
  protocolFactory: ProtocolFactory<P>,
  socket: unknown,
  options: ConnectAcceptedSocketOptions | undefined,
): Promise<[Transport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  const given = checkOptions<ConnectAcceptedSocketOptions>(
    options,
    "connectAcceptedSocket()",
    ["ssl", "sslHandshakeTimeout"],
  );
  const tls = checkTls(given, "connectAcceptedSocket()", null, true);
  const raw = adoptSocket(socket);
  return await finishConnection(loop, raw, protocolFactory, tls, {
    serverSide: true,
    holdWhileOpen: true,
  });
}

/** Options of `loop.startTls()`. */
export interface StartTlsOptions {
  /** True to make the handshake as the server. */
  serverSide?: boolean;
  /** Client side: the name to send and check the certificate against. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
}

/** `loop.startTls`, checked; returns the new TLS transport. */
export async function startTls(
  loop: ConnectingLoop,
  transport: Transport,
  protocol: StreamProtocol,
  sslContext: SSLContext | boolean,
  options: StartTlsOptions | undefined,
): Promise<Transport> {
  if (!(transport instanceof StreamTransport)) {
    throw new TypeError(
      `startTls() takes a transport of this loop's sockets, got ${
        describe(transport)
      }`,
    );
  }
  const given = checkOptions<StartTlsOptions>(options, "startTls()", [
    "serverSide",
    "serverHostname",
    "sslHandshakeTimeout",
  ]);
  const serverSide = given.serverSide === undefined
    ? false
    : checkBoolean(given.serverSide, "serverSide");
  const context = checkSsl(sslContext, "startTls()");
  if (context === null) {
    throw new TypeError("startTls() needs a TLS context, or true");
  }
  const name = given.serverHostname ?? null;
  if (!serverSide && (typeof name !== "string" || name === "")) {
    throw new TypeError(
      "startTls() on the client side needs serverHostname, the name to " +
        "check the certificate against",
    );
  }
  const timeout = given.sslHandshakeTimeout == null
    ? 60
    : checkSeconds(given.sslHandshakeTimeout, "sslHandshakeTimeout");
  if (transport.isClosing()) {
    throw new RuntimeError("startTls(): the transport is closing");
  }
  const { raw, owner, holdWhileOpen } = transport.detachForTls();
  let secured: RawSocket;
  try {
    secured = await handshake(loop, raw, {
      context,
      serverSide,
      serverHostname: serverSide ? null : name,
      timeout,
    });
  } catch (error) {
    raw.abort();
    transport.releaseOwner();
    throw error;
  }
  const upgraded = transportOver(loop, secured, protocol, {
    holdWhileOpen,
    context,
    owner,
    callConnectionMade: false,
  });
  transport.releaseOwner();
  return upgraded;
}
