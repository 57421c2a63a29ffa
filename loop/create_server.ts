/**
 * `loop.createServer` and `loop.createUnixServer`: a server whose clients
 * each get a protocol and a transport.
 *
 * @module
 */
import {
  listen,
  type ListenTarget,
  reusePortSupported,
} from "../internal/socket_host.ts";
import { checkFunction, checkOptions } from "../internal/validate.ts";
import {
  checkBacklog,
  checkBoolean,
  checkFamily,
  checkPath,
  checkPort,
  checkServerHosts,
  checkTls,
  hostFamily,
  hostOf,
} from "./net_checks.ts";
import { isIP } from "node:net";
import { type ConnectingLoop, resolveStream } from "./create_connection.ts";
import { AF_UNSPEC, AI_PASSIVE } from "./socket_constants.ts";
import type { StreamProtocol } from "./protocols.ts";
import { createServerOn, type Server, type ServerSockets } from "./server.ts";
import { beginHandshake, transportOver } from "./socket_setup.ts";
import type { SSLContext } from "./tls.ts";

/** The host's sockets, as every server of this module uses them. */
const SOCKETS: ServerSockets = { listen, beginHandshake, transportOver };

/** Options of `loop.createServer()`. */
export interface CreateServerOptions {
  /** A server context (`createSslContext({ purpose: "clientAuth", cert, key })`). */
  ssl?: SSLContext | null;
  /** Seconds a client's TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
  /** With `host` null: `AF_INET` (2) or `AF_INET6` (10) only; 0 for both. */
  family?: number;
  /** How many connections the system queues before they are accepted; 100. */
  backlog?: number;
  /** Reuse a local address in TIME_WAIT; always on (the host cannot turn it off). */
  reuseAddress?: boolean;
  /** Let several servers listen on the port (SO_REUSEPORT); a `RangeError` where the host cannot. */
  reusePort?: boolean;
  /** Turns TCP keep-alive probes on for every client. */
  keepAlive?: boolean;
  /** Accept connections at once (default); else after `startServing()`. */
  startServing?: boolean;
}

const SERVER_OPTIONS: (keyof CreateServerOptions)[] = [
  "ssl",
  "sslHandshakeTimeout",
  "sslShutdownTimeout",
  "family",
  "backlog",
  "reuseAddress",
  "reusePort",
  "keepAlive",
  "startServing",
];

/** Options of `loop.createUnixServer()`. */
export interface CreateUnixServerOptions {
  /** A server context. */
  ssl?: SSLContext | null;
  /** Seconds a client's TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
  /** How many connections the system queues before they are accepted; 100. */
  backlog?: number;
  /** Accept connections at once (default); else after `startServing()`. */
  startServing?: boolean;
}

const UNIX_SERVER_OPTIONS: (keyof CreateUnixServerOptions)[] = [
  "ssl",
  "sslHandshakeTimeout",
  "sslShutdownTimeout",
  "backlog",
  "startServing",
];

/** How a server's connections are made; for streams and the loop. */
export interface ServerRequest {
  /** Keep the process alive while a connection is open. */
  holdWhileOpen: boolean;
  /** Options only the caller knows, accepted besides the server's own. */
  extraOptions?: readonly string[];
}

/** `loop.createServer`, checked; see `EventLoop.createServer`. */
export async function createServer(
  loop: ConnectingLoop,
  protocolFactory: () => StreamProtocol,
  host: string | readonly string[] | null | undefined,
  port: number | null | undefined,
  options: CreateServerOptions | undefined,
  request: ServerRequest,
  caller = "createServer()",
): Promise<Server> {
  checkFunction(protocolFactory, "The protocol factory");
  if (host == null && port == null) {
    throw new RangeError(
      `${caller}: neither a host nor a port was given (null and 0 listen ` +
        "on every interface, on a free port)",
    );
  }
  const hosts = checkServerHosts(host);
  port = checkPort(port ?? 0);
  const given = checkOptions<CreateServerOptions>(
    options,
    caller,
    [...SERVER_OPTIONS, ...request.extraOptions ?? []] as typeof SERVER_OPTIONS,
  );
  const tls = checkTls(given, caller, null, true);
  const backlog = checkBacklog(given.backlog ?? 100);
  const family = hostFamily(
    given.family === undefined ? 0 : checkFamily(given.family),
  );
  if (given.reuseAddress !== undefined) {
    if (!checkBoolean(given.reuseAddress, "reuseAddress")) {
      throw new RangeError(
        `${caller}: reuseAddress: false is not supported: the host always ` +
          "reuses local addresses, as Python does by default on Unix",
      );
    }
  }
  const reusePort = given.reusePort !== undefined &&
    checkBoolean(given.reusePort, "reusePort");
  if (reusePort && !reusePortSupported()) {
    throw new RangeError(
      `${caller}: reusePort is not supported on this runtime ` +
        "(Node supports it from 22.12)",
    );
  }
  const keepAlive = given.keepAlive !== undefined &&
    checkBoolean(given.keepAlive, "keepAlive");
  const startServing = given.startServing === undefined ||
    checkBoolean(given.startServing, "startServing");
  const addresses = await listenAddresses(loop, hosts, port, given.family);
  const targets = addresses.map((each): ListenTarget => ({
    host: each ?? (family === 4 ? "0.0.0.0" : family === 6 ? "::" : null),
    port,
    backlog,
    reusePort,
    keepAlive,
    ipv6Only: each === null && family === 6,
  }));
  return await createServerOn(
    loop,
    {
      protocolFactory,
      ssl: tls.context,
      handshakeTimeout: tls.handshakeTimeout,
      shutdownTimeout: tls.shutdownTimeout,
      holdWhileOpen: request.holdWhileOpen,
      sockets: SOCKETS,
    },
    targets,
    startServing,
  );
}

/**
 * The addresses to listen on for `hosts`: a name, or any host with a
 * `family`, is looked up as asyncio looks it up (`AI_PASSIVE`), every
 * address it has once, so a host of another family is an error; an
 * address is itself, and `null` every interface.
 */
async function listenAddresses(
  loop: ConnectingLoop,
  hosts: (string | null)[],
  port: number,
  family: number | undefined,
): Promise<(string | null)[]> {
  const addresses = new Set<string | null>();
  for (const host of hosts) {
    if (host === null || (family === undefined && isIP(host) !== 0)) {
      addresses.add(host);
      continue;
    }
    const infos = await resolveStream(
      loop,
      host,
      port,
      family ?? AF_UNSPEC,
      "listen on",
      AI_PASSIVE,
    );
    for (const [, , , , address] of infos) addresses.add(hostOf(address));
  }
  return [...addresses];
}

/** `loop.createUnixServer`, checked. */
export async function createUnixServer(
  loop: ConnectingLoop,
  protocolFactory: () => StreamProtocol,
  path: string,
  options: CreateUnixServerOptions | undefined,
  request: ServerRequest,
  caller = "createUnixServer()",
): Promise<Server<string>> {
  checkFunction(protocolFactory, "The protocol factory");
  checkPath(path);
  const given = checkOptions<CreateUnixServerOptions>(
    options,
    caller,
    [
      ...UNIX_SERVER_OPTIONS,
      ...request.extraOptions ?? [],
    ] as typeof UNIX_SERVER_OPTIONS,
  );
  const tls = checkTls(given, caller, null, true);
  const backlog = checkBacklog(given.backlog ?? 100);
  const startServing = given.startServing === undefined ||
    checkBoolean(given.startServing, "startServing");
  return await createServerOn<string>(
    loop,
    {
      protocolFactory,
      ssl: tls.context,
      handshakeTimeout: tls.handshakeTimeout,
      shutdownTimeout: tls.shutdownTimeout,
      holdWhileOpen: request.holdWhileOpen,
      sockets: SOCKETS,
    },
    [{ path, backlog }],
    startServing,
  );
}
