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
import {
  checkFunction,
  checkInteger,
  checkOptions,
} from "../internal/validate.ts";
import { CancelledError, RuntimeError, toError } from "../internal/errors.ts";
import type { Future } from "../tasks/future.ts";
import { ExceptionGroup } from "../tasks/exception_group.ts";
import { sleep } from "../tasks/sleep.ts";
import { staggeredRace } from "../tasks/staggered_race.ts";
import type { AbstractEventLoop } from "./abstract_event_loop.ts";
import {
  checkBindAddr,
  checkBoolean,
  checkFamily,
  checkHost,
  checkPath,
  checkPort,
  checkTls,
  checkTlsTimeout,
  hostOf,
  type SockAddr,
  type TlsChoice,
} from "./net_checks.ts";
import { internals } from "./_transport_internals.ts";
import { waitOnHost } from "./host_wait.ts";
import { interleaveAddrinfos } from "./interleave.ts";
import type { AddrInfo, GetaddrinfoOptions } from "./names.ts";
import type { StreamProtocol } from "./protocols.ts";
import { handshake, transportOver } from "./socket_setup.ts";
import { StreamTransport } from "./socket_transport.ts";
import type { Transport } from "./transports.ts";
import { AF_UNSPEC, SOCK_STREAM } from "./socket_constants.ts";
import { checkSsl, type SSLContext } from "./tls.ts";
import { checkSeconds, describe } from "../internal/validate.ts";
import { internals as loopInternals } from "./_internals.ts";

/** A loop as the connection functions use it. */
export type ConnectingLoop = AbstractEventLoop & {
  createFuture<T>(): Future<T>;
  getaddrinfo(
    host: string | null,
    port: number | string | null,
    options?: GetaddrinfoOptions,
  ): Future<AddrInfo[]>;
};

/** Options of `loop.createConnection()`. */
export interface CreateConnectionOptions {
  /** `true` (verify against the system's authorities), a context, or off. */
  ssl?: boolean | SSLContext | null;
  /** The name to send (SNI) and check the certificate against; `host` by default. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
  /** `AF_INET` (2) or `AF_INET6` (10) to use only that family; 0 for any. */
  family?: number;
  /** `[host, port]` to bind the socket to before connecting. */
  localAddr?: SockAddr | null;
  /** Turns TCP keep-alive probes on. */
  keepAlive?: boolean;
  /**
   * Happy eyeballs (RFC 8305): seconds to wait for an address before
   * racing the next one too; the first to connect wins and the others are
   * closed. `null` (the default): the addresses are tried one by one.
   */
  happyEyeballsDelay?: number | null;
  /**
   * How many addresses of the first family to try before the families
   * take turns; 0 keeps the resolver's order. 1 when `happyEyeballsDelay`
   * is given, 0 otherwise.
   */
  interleave?: number | null;
  /**
   * When no address accepts the connection, throw an `ExceptionGroup` of
   * every attempt's error (Python 3.12's `all_errors=True`) instead of one
   * error that sums them up.
   */
  allErrors?: boolean;
}

const CONNECTION_OPTIONS: (keyof CreateConnectionOptions)[] = [
  "ssl",
  "serverHostname",
  "sslHandshakeTimeout",
  "sslShutdownTimeout",
  "family",
  "localAddr",
  "keepAlive",
  "happyEyeballsDelay",
  "interleave",
  "allErrors",
];

/** Options of `loop.createUnixConnection()`. */
export interface CreateUnixConnectionOptions {
  /** As for `createConnection`; `serverHostname` is then required. */
  ssl?: boolean | SSLContext | null;
  /** The name to send (SNI) and check the certificate against. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
}

const UNIX_CONNECTION_OPTIONS: (keyof CreateUnixConnectionOptions)[] = [
  "ssl",
  "serverHostname",
  "sslHandshakeTimeout",
  "sslShutdownTimeout",
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
  host: string | null,
  port: number,
  options: CreateConnectionOptions | undefined,
  request: ConnectionRequest,
  caller = "createConnection()",
): Promise<[Transport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  if (host !== null) checkHost(host);
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
  const family = given.family ?? AF_UNSPEC;
  checkFamily(family);
  const localAddr = given.localAddr == null
    ? null
    : checkBindAddr(given.localAddr, "localAddr");
  const keepAlive = given.keepAlive === undefined
    ? undefined
    : checkBoolean(given.keepAlive, "keepAlive");
  const delay = given.happyEyeballsDelay == null
    ? null
    : checkSeconds(given.happyEyeballsDelay, "happyEyeballsDelay");
  const interleave = given.interleave == null
    ? (delay === null ? 0 : 1)
    : checkInteger(given.interleave, "interleave", 0, Number.MAX_SAFE_INTEGER);
  const allErrors = given.allErrors === undefined
    ? false
    : checkBoolean(given.allErrors, "allErrors");
  const infos = await resolveStream(loop, host, port, family, "connect to");
  const locals = localAddr === null
    ? null
    : await resolveStream(loop, localAddr[0], localAddr[1], family, "bind to");
  const ordered = interleave > 0
    ? interleaveAddrinfos(infos, interleave)
    : infos;
  // Each attempt's errors, in the order the attempts started.
  const errors: unknown[][] = [];
  const attempts = ordered.map(
    ([infoFamily, , , , sockaddr]) => () => {
      const [address, port] = [hostOf(sockaddr), sockaddr[1]];
      const attemptErrors: unknown[] = [];
      errors.push(attemptErrors);
      return connectAttempt(
        loop,
        { host: address, port, keepAlive },
        infoFamily,
        locals,
        attemptErrors,
      );
    },
  );
  const raw = delay === null
    ? await connectOneByOne(attempts)
    : await connectRacing(attempts, delay);
  if (raw === null) throw failure(errors.flat(), allErrors);
  return await finishConnection(loop, raw, protocolFactory, tls, {
    serverSide: false,
    holdWhileOpen: request.holdWhileOpen,
  });
}

/**
 * The stream addresses of `host`, with the loop's `getaddrinfo` (`flags`
 * `AI_PASSIVE` for a server); a failed lookup says which connection, local
 * address or server it was for. For this package only.
 */
export async function resolveStream(
  loop: ConnectingLoop,
  host: string | null,
  port: number,
  family: number,
  action: "connect to" | "bind to" | "listen on",
  flags = 0,
): Promise<AddrInfo[]> {
  let infos: AddrInfo[];
  try {
    infos = await loop.getaddrinfo(host, port, {
      family,
      type: SOCK_STREAM,
      flags,
    });
  } catch (error) {
    if (!(error instanceof Error) || !("code" in error)) throw error;
    throw Object.assign(
      new Error(
        `Cannot ${action} ${host ?? "localhost"}:${port}: ${error.message}`,
        {
          cause: error,
        },
      ),
      { code: error.code },
    );
  }
  if (infos.length === 0) {
    throw new Error(
      `Cannot ${action} ${host ?? "localhost"}:${port}: no address found`,
    );
  }
  return infos;
}

/** A failed system call: what asyncio catches as `OSError`. */
function isOsError(error: unknown): error is Error & { code: unknown } {
  return error instanceof Error && "code" in error;
}

/**
 * A failure to bind the local address: Node and Deno name the `bind`
 * call; Bun reports `EADDRNOTAVAIL` from `connect`.
 */
function isBindError(error: unknown): boolean {
  return isOsError(error) &&
    ((error as { syscall?: unknown }).syscall === "bind" ||
      error.code === "EADDRNOTAVAIL" || error.code === "EADDRINUSE");
}

/**
 * One connection attempt, as asyncio's `_connect_sock`: with `locals`,
 * bound first to each local address of the target's family in turn until
 * one binds. Every system error of the attempt goes to `errors`.
 */
async function connectAttempt(
  loop: ConnectingLoop,
  target: ConnectTarget,
  family: number,
  locals: AddrInfo[] | null,
  errors: unknown[],
): Promise<RawSocket> {
  try {
    if (locals === null) return await connectSocket(loop, target);
    let bindError: Error | null = null;
    for (const [localFamily, , , , local] of locals) {
      const [localHost, localPort] = [hostOf(local), local[1]];
      if (localFamily !== family) continue;
      try {
        return await connectSocket(loop, { ...target, localHost, localPort });
      } catch (error) {
        if (!isBindError(error)) throw error;
        if (bindError !== null) errors.push(bindError);
        bindError = Object.assign(
          new Error(
            "error while attempting to bind on address " +
              `${JSON.stringify([localHost, localPort])}: ${
                (error as Error).message
              }`,
            { cause: error },
          ),
          { code: (error as { code: unknown }).code },
        );
      }
    }
    throw bindError ?? Object.assign(
      new Error(`no matching local address with family=${family} found`),
      { code: "EAFNOSUPPORT" },
    );
  } catch (error) {
    if (isOsError(error)) errors.push(error);
    throw error;
  }
}

/**
 * Tries each attempt in turn, as asyncio does without happy eyeballs;
 * `null` when every one failed with a system error.
 */
async function connectOneByOne(
  attempts: (() => Promise<RawSocket>)[],
): Promise<RawSocket | null> {
  for (const attempt of attempts) {
    try {
      return await attempt();
    } catch (error) {
      if (!isOsError(error)) throw error;
    }
  }
  return null;
}

/**
 * Races the attempts with `staggeredRace`: each next attempt starts when
 * the one before fails or after `delay` seconds; `null` when none won.
 * Every socket but the winner's is closed, also one that connected just
 * after it won and when the caller is cancelled.
 */
async function connectRacing(
  attempts: (() => Promise<RawSocket>)[],
  delay: number,
): Promise<RawSocket | null> {
  const opened: RawSocket[] = [];
  let winner: RawSocket | null = null;
  try {
    const [won, , raceErrors] = await staggeredRace(
      attempts.map((attempt) => async () => {
        const raw = await attempt();
        opened.push(raw);
        return raw;
      }),
      delay,
    );
    // An attempt that failed with anything but a system error fails all.
    const other = raceErrors.find((error) =>
      error !== null && !isOsError(error)
    );
    if (won === null && other !== undefined) throw other;
    winner = won;
    return won;
  } finally {
    for (const raw of opened) if (raw !== winner) raw.abort();
  }
}

/**
 * The error of a connection no address accepted, as asyncio makes it:
 * with `allErrors`, an `ExceptionGroup` of them all; else the one error,
 * or the first when all say the same, or one that names each.
 */
function failure(errors: unknown[], allErrors: boolean): unknown {
  if (allErrors) return new ExceptionGroup("createConnection() failed", errors);
  const first = errors[0];
  if (errors.every((error) => String(error) === String(first))) return first;
  const messages = errors.map((error) =>
    error instanceof Error ? error.message : String(error)
  );
  return new Error(`Multiple exceptions: ${messages.join(", ")}`);
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
  const raw = await connectSocket(loop, { path });
  return await finishConnection(loop, raw, protocolFactory, tls, {
    serverSide: false,
    holdWhileOpen: request.holdWhileOpen,
  });
}

/**
 * Connects one socket to `target`; cancelling the caller closes the
 * half-open socket.
 */
async function connectSocket(
  loop: ConnectingLoop,
  target: ConnectTarget,
): Promise<RawSocket> {
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
  try {
    return await waitOnHost(connected, connecting);
  } catch (error) {
    connecting.abort();
    throw error;
  }
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
        shutdownTimeout: tls.shutdownTimeout,
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
  loopInternals.callSoon(loop, (future: Future<void>) => {
    if (!future.done()) future.setResult();
  }, waiter);
  await waitOnHost(waiter, { hold: () => internals.hold(transport) });
}

/** Options of `loop.connectAcceptedSocket()`. */
export interface ConnectAcceptedSocketOptions {
  /** A server context: the TLS handshake is made as the server. */
  ssl?: SSLContext | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
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
    ["ssl", "sslHandshakeTimeout", "sslShutdownTimeout"],
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
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
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
    "sslShutdownTimeout",
  ]);
  const serverSide = given.serverSide === undefined
    ? false
    : checkBoolean(given.serverSide, "serverSide");
  const context = checkSsl(sslContext, "startTls()");
  if (context === null) {
    throw new TypeError("startTls() needs a TLS context, or true");
  }
  const givenName = given.serverHostname ?? null;
  if (givenName !== null && typeof givenName !== "string") {
    throw new TypeError(
      `startTls(): serverHostname must be a string, got ${describe(givenName)}`,
    );
  }
  // As in Python, a context that checks no names needs none.
  const name = givenName === "" ? null : givenName;
  if (
    !serverSide && name === null && loopInternals.tlsSettings(context).verify
  ) {
    throw new RangeError(
      "startTls() on the client side needs serverHostname, the name to " +
        "check the certificate against",
    );
  }
  const timeout = checkTlsTimeout(
    given.sslHandshakeTimeout,
    "sslHandshakeTimeout",
  );
  const shutdownTimeout = checkTlsTimeout(
    given.sslShutdownTimeout,
    "sslShutdownTimeout",
  );
  if (transport.isClosing()) {
    throw new RuntimeError("startTls(): the transport is closing");
  }
  const { raw, owner, holdWhileOpen, unread } = internals.detachForTls(
    transport,
  );
  let secured: RawSocket;
  try {
    // Bytes the transport got but did not deliver (reading was paused, or
    // their delivery is still queued: one iteration runs it) are the start
    // of the handshake: they go back to the socket, which TLS reads.
    await sleep(0);
    raw.unread(unread);
    secured = await handshake(loop, raw, {
      context,
      serverSide,
      serverHostname: serverSide ? null : name,
      timeout,
      shutdownTimeout,
    });
  } catch (error) {
    // As asyncio: the connection is lost with the handshake's error, which
    // the protocol hears of (a stream's reads and waitClosed() raise it);
    // a cancelled upgrade closes it plainly.
    raw.abort();
    const lostWith = error instanceof CancelledError ? null : toError(error);
    internals.loseAfterTls(transport, protocol, lostWith);
    throw error;
  }
  const upgraded = transportOver(loop, secured, protocol, {
    holdWhileOpen,
    context,
    owner,
    callConnectionMade: false,
  });
  internals.releaseOwner(transport);
  return upgraded;
}
