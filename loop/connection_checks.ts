/**
 * Argument checks of the connection and server APIs: a `TypeError` for a
 * wrong type, a `RangeError` for a value out of range, at the call.
 *
 * @module
 */
import { checkSeconds, describe } from "../internal/validate.ts";
import { checkSsl, type SSLContext } from "./tls.ts";
import { internals as loopInternals } from "./_internals.ts";

/** Python's `socket.AF_UNSPEC`, `AF_INET`, `AF_INET6` (Linux's numbers). */
const FAMILIES: Record<number, 0 | 4 | 6> = { 0: 0, 2: 4, 10: 6 };

/** Checks a host name or address. */
export function checkHost(host: unknown): string {
  if (typeof host !== "string") {
    throw new TypeError(
      `The host must be a string such as "127.0.0.1", got ${describe(host)}`,
    );
  }
  if (host === "") {
    throw new RangeError('The host must not be empty: use "127.0.0.1"');
  }
  return host;
}

/** Checks a list of hosts for a server: a string, an array, or `null` (all). */
export function checkServerHosts(host: unknown): (string | null)[] {
  if (host === null || host === undefined) return [null];
  if (typeof host === "string") return [checkHost(host)];
  if (!Array.isArray(host) || host.length === 0) {
    throw new TypeError(
      "The host must be a string, a non-empty array of strings or null, " +
        `got ${describe(host)}`,
    );
  }
  return host.map(checkHost);
}

/** Checks a TCP port: an integer from 0 to 65535. */
export function checkPort(port: unknown): number {
  if (typeof port !== "number") {
    throw new TypeError(`The port must be a number, got ${describe(port)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `The port must be an integer from 0 to 65535, got ${port}`,
    );
  }
  return port;
}

/** Checks the path of a Unix-domain socket. */
export function checkPath(path: unknown): string {
  if (typeof path !== "string") {
    throw new TypeError(
      `The socket path must be a string, got ${describe(path)}`,
    );
  }
  if (path === "") throw new RangeError("The socket path must not be empty");
  return path;
}

/** Checks a listen backlog: a whole number. */
export function checkBacklog(backlog: unknown): number {
  if (typeof backlog !== "number") {
    throw new TypeError(
      `The backlog must be a number, got ${describe(backlog)}`,
    );
  }
  if (!Number.isInteger(backlog) || backlog < 0) {
    throw new RangeError(
      `The backlog must be a non-negative integer, got ${backlog}`,
    );
  }
  return backlog;
}

/** Checks a `family` option (Python's numbers) and gives the host's 0, 4 or 6. */
export function checkFamily(family: unknown): 0 | 4 | 6 {
  if (typeof family !== "number") {
    throw new TypeError(
      `family must be AF_UNSPEC (0), AF_INET (2) or AF_INET6 (10), got ${
        describe(family)
      }`,
    );
  }
  const host = FAMILIES[family];
  if (host === undefined) {
    throw new RangeError(
      `family must be AF_UNSPEC (0), AF_INET (2) or AF_INET6 (10), got ${family}`,
    );
  }
  return host;
}

/** Checks `localAddr`: `[host, port]`. */
export function checkLocalAddr(value: unknown): [string, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(
      `localAddr must be [host, port], got ${describe(value)}`,
    );
  }
  return [checkHost(value[0]), checkPort(value[1])];
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
}

/** The default TLS handshake timeout in seconds, as asyncio's. */
export const SSL_HANDSHAKE_TIMEOUT = 60;

/**
 * Checks `ssl`, `serverHostname` and `sslHandshakeTimeout`: the last two
 * mean something only with `ssl`, and a client needs a name to check the
 * certificate against (`host` by default).
 */
export function checkTls(
  given: {
    ssl?: unknown;
    serverHostname?: unknown;
    sslHandshakeTimeout?: unknown;
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
  const { serverHostname, sslHandshakeTimeout } = given;
  if (context === null) {
    if (serverHostname != null) {
      throw new RangeError(
        `${caller}: serverHostname is only meaningful with ssl`,
      );
    }
    if (sslHandshakeTimeout != null) {
      throw new RangeError(
        `${caller}: sslHandshakeTimeout is only meaningful with ssl`,
      );
    }
    return { context, serverHostname: null, handshakeTimeout: 0 };
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
    if (name === null || name === "") {
      throw new RangeError(
        `${caller}: give serverHostname, the name to check the certificate against`,
      );
    }
  }
  let timeout = SSL_HANDSHAKE_TIMEOUT;
  if (sslHandshakeTimeout != null) {
    timeout = checkSeconds(sslHandshakeTimeout, "sslHandshakeTimeout");
    if (timeout <= 0) {
      throw new RangeError(
        `sslHandshakeTimeout must be a positive number, got ${timeout}`,
      );
    }
  }
  return { context, serverHostname: name, handshakeTimeout: timeout };
}
