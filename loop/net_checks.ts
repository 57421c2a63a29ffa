/**
 * Argument checks of the loop's networking calls (names, UDP), with the
 * wording of `internal/validate.ts`.
 *
 * @module
 */
import { checkInteger, describe } from "../internal/validate.ts";
import { AF_INET, AF_INET6, AF_UNSPEC } from "./socket_constants.ts";

/**
 * A socket address as Python gives it: `[host, port]` for IPv4, and
 * `[host, port, flowinfo, scopeId]` for IPv6.
 */
export type SockAddr =
  | [host: string, port: number]
  | [host: string, port: number, flowinfo: number, scopeId: number];

/** A port number: an integer from 0 to 65535. */
export function checkPort(value: unknown, what: string): number {
  return checkInteger(value, what, 0, 65535);
}

/** A host name or address: a non-empty string. */
export function checkHostName(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string, got ${describe(value)}`);
  }
  if (value === "") throw new RangeError(`${what} must not be empty`);
  return value;
}

/** `AF_UNSPEC`, `AF_INET` or `AF_INET6`. */
export function checkFamily(value: unknown, what: string): number {
  checkInteger(value, what, 0, Number.MAX_SAFE_INTEGER);
  if (value !== AF_UNSPEC && value !== AF_INET && value !== AF_INET6) {
    throw new RangeError(
      `${what} must be AF_UNSPEC (${AF_UNSPEC}), AF_INET (${AF_INET}) or ` +
        `AF_INET6 (${AF_INET6}), got ${value}`,
    );
  }
  return value;
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

/** A socket address: `[host, port]` or `[host, port, flowinfo, scopeId]`. */
export function checkSockAddr(value: unknown, what: string): SockAddr {
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 4)) {
    throw new TypeError(
      `${what} must be [host, port] or [host, port, flowinfo, scopeId], ` +
        `got ${describe(value)}`,
    );
  }
  checkHostName(value[0], `The host of ${what}`);
  checkPort(value[1], `The port of ${what}`);
  if (value.length === 4) {
    checkInteger(value[2], `The flowinfo of ${what}`, 0, 0xfffff);
    checkInteger(value[3], `The scope id of ${what}`, 0, 0xffffffff);
  }
  return value as SockAddr;
}
