/**
 * Argument checks of the loop's networking calls (connections, servers,
 * names, UDP): a `TypeError` for a wrong type, a `RangeError` for a value
 * out of range, at the call, with the wording of `internal/validate.ts`.
 *
 * @module
 */
import { internals as loopInternals } from "./_internals.ts";
import { checkInteger, checkSeconds, describe } from "../internal/validate.ts";
import { AF_INET, AF_INET6, AF_UNSPEC } from "./socket_constants.ts";
import { checkSsl, type SSLContext } from "./tls.ts";

/**
 * A socket address as Python gives it: `[host, port]` for IPv4, and
 * `[host, port, flowinfo, scopeId]` for IPv6.
 */
export type SockAddr =
  | [host: string, port: number]
  | [host: string, port: number, flowinfo: number, scopeId: number];

/** A host name or address: a non-empty string. */
export function checkHost(value: unknown, what = "The host"): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string, got ${describe(value)}`);
  }
  if (value === "") throw new RangeError(`${what} must not be empty`);
  return value;
}

/** A port number: an integer from 0 to 65535. */
export function checkPort(value: unknown, what = "The port"): number {
  return checkInteger(value, what, 0, 65535);
}

/** `AF_UNSPEC`, `AF_INET` or `AF_INET6`, as Python numbers them. */
export function checkFamily(value: unknown, what = "family"): number {
  checkInteger(value, what, 0);
  if (value !== AF_UNSPEC && value !== AF_INET && value !== AF_INET6) {
    throw new RangeError(
      `${what} must be AF_UNSPEC (${AF_UNSPEC}), AF_INET (${AF_INET}) or ` +
        `AF_INET6 (${AF_INET6}), got ${value}`,
    );
  }
  return value;
}

/** The host's name of a checked family: 0 (any), 4 or 6. */
export function hostFamily(family: number): 0 | 4 | 6 {
  return family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0;
}

/** Bit flags of which only those in `known` may be set. */
export function checkFlags(
  value: unknown,
  what: string,
  known: number,
): number {
  checkInteger(value, what, 0, 0x7fffffff);
  const unknown = (value as number) & ~known;
  if (unknown !== 0) {
    throw new RangeError(`${what} has unknown bits set: ${unknown}`);
  }
  return value as number;
}

/** An address to bind or send to: `[host, port]`, as Python's 2-tuple. */
export function checkAddr(value: unknown, what: string): [string, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`${what} must be [host, port], got ${describe(value)}`);
  }
  checkHost(value[0], `The host of ${what}`);
  checkPort(value[1], `The port of ${what}`);
  return value as [string, number];
}

/**
 * An address to bind to, as `[host, port]`: a socket address an IPv6
 * socket gave (`[host, port, flowinfo, scopeId]`) is taken too, as
 * Python's `create_connection` takes it.
 */
export function checkBindAddr(
  value: unknown,
  what: string,
): [string, number] {
  const [host, port] = checkSockAddr(value, what);
  return [host, port];
}

/** A socket address: `[host, port]` or `[host, port, flowinfo, scopeId]`. */
export function checkSockAddr(value: unknown, what: string): SockAddr {
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 4)) {
    throw new TypeError(
      `${what} must be [host, port] or [host, port, flowinfo, scopeId], ` +
        `got ${describe(value)}`,
    );
  }
  checkHost(value[0], `The host of ${what}`);
  checkPort(value[1], `The port of ${what}`);
  if (value.length === 4) {
    checkInteger(value[2], `The flowinfo of ${what}`, 0, 0xfffff);
    checkInteger(value[3], `The scope id of ${what}`, 0, 0xffffffff);
  }
  return value as SockAddr;
}

/**
 * The host of `address` as the runtimes take it: an IPv6 address with a
 * scope id gets it back in the text (`fe80::1%2`).
 */
export function hostOf(address: SockAddr): string {
  const [host] = address;
  return address.length === 4 && address[3] !== 0
    ? `${host}%${address[3]}`
    : host;
}

/** Checks a list of hosts for a server: a string, an array, or `null` (all). */
export function checkServerHosts(host: unknown): (string | null)[] {
  if (host === null || host === undefined || host === "") return [null];
  if (typeof host === "string") return [checkHost(host)];
  if (!Array.isArray(host) || host.length === 0) {
    throw new TypeError(
      "The host must be a string, a non-empty array of strings or null, " +
        `got ${describe(host)}`,
    );
  }
  // "" is every interface, as in Python; a host given twice listens once.
  return [...new Set(host.map((each) => each === "" ? null : checkHost(each)))];
}

/** Checks the path of a Unix-domain socket. */
export function checkPath(path: unknown): string {
  return checkHost(path, "The socket path");
}

/** Checks a listen backlog: an integer, 0 or more. */
export function checkBacklog(backlog: unknown): number {
  return checkInteger(backlog, "The backlog", 0);
}

/** Checks an option that must be a boolean. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** The TLS options of a connection, as Python checks them. */
export interface TlsChoice {
  /** The context, or `null` for plain TCP. */
  context: SSLContext | null;
  /** The name to send and check; `null` without TLS. */
  serverHostname: string | null;
  /** Seconds the handshake may take. */
  handshakeTimeout: number;
  /** Seconds the peer has to answer the close before the socket goes. */
  shutdownTimeout: number;
}

/** The default TLS handshake timeout in seconds, as asyncio's. */
export const SSL_HANDSHAKE_TIMEOUT = 60;

/** The default TLS shutdown timeout in seconds, as asyncio's. */
export const SSL_SHUTDOWN_TIMEOUT = 30;

/** Checks a TLS timeout option: a positive number of seconds, if given. */
export function checkTlsTimeout(
  value: unknown,
  name: "sslHandshakeTimeout" | "sslShutdownTimeout",
): number {
  if (value == null) {
    return name === "sslHandshakeTimeout"
      ? SSL_HANDSHAKE_TIMEOUT
      : SSL_SHUTDOWN_TIMEOUT;
  }
  const seconds = checkSeconds(value, name);
  if (seconds <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${seconds}`);
  }
  return seconds;
}

/**
 * Checks `ssl`, `serverHostname`, `sslHandshakeTimeout` and
 * `sslShutdownTimeout`: the last three mean something only with `ssl`,
 * and a client needs a name to check the certificate against (`host` by
 * default).
 */
export function checkTls(
  given: {
    ssl?: unknown;
    serverHostname?: unknown;
    sslHandshakeTimeout?: unknown;
    sslShutdownTimeout?: unknown;
  },
  caller: string,
  host: string | null,
  serverSide: boolean,
): TlsChoice {
  if (serverSide && given.ssl === true) {
    throw new TypeError(
      `${caller}: a server's ssl must be a context made with ` +
        'createSslContext({ purpose: "clientAuth", cert, key })',
    );
  }
  const context = checkSsl(given.ssl, caller);
  if (
    serverSide && context !== null && !loopInternals.tlsSettings(context).cert
  ) {
    throw new TypeError(
      `${caller}: a server's TLS context needs cert and key`,
    );
  }
  const { serverHostname, sslHandshakeTimeout, sslShutdownTimeout } = given;
  if (context === null) {
    for (
      const [name, value] of [
        ["serverHostname", serverHostname],
        ["sslHandshakeTimeout", sslHandshakeTimeout],
        ["sslShutdownTimeout", sslShutdownTimeout],
      ]
    ) {
      if (value != null) {
        throw new RangeError(`${caller}: ${name} is only meaningful with ssl`);
      }
    }
    return {
      context,
      serverHostname: null,
      handshakeTimeout: 0,
      shutdownTimeout: 0,
    };
  }
  let name: string | null = null;
  if (!serverSide) {
    if (serverHostname != null && typeof serverHostname !== "string") {
      throw new TypeError(
        `${caller}: serverHostname must be a string, got ${
          describe(serverHostname)
        }`,
      );
    }
    name = (serverHostname as string | null | undefined) ?? host;
    // "" sends no name and checks none, as in Python: only without checks.
    if (serverHostname === "" && !loopInternals.tlsSettings(context).verify) {
      name = null;
    } else if (name === null || name === "") {
      throw new RangeError(
        `${caller}: give serverHostname, the name to check the certificate ` +
          'against ("" only with a context that does not verify)',
      );
    }
  }
  return {
    context,
    serverHostname: name,
    handshakeTimeout: checkTlsTimeout(
      sslHandshakeTimeout,
      "sslHandshakeTimeout",
    ),
    shutdownTimeout: checkTlsTimeout(sslShutdownTimeout, "sslShutdownTimeout"),
  };
}
