/**
 * `getaddrinfo` and `getnameinfo` of the loop: the system's resolver,
 * awaited as a loop future, with Python's tuples.
 *
 * @module
 */
import { isIP } from "node:net";
import type { HostAddress } from "../internal/dns_host.ts";
import { holdClock } from "../internal/real_world.ts";
import { OnFirstUse } from "./on_first_use.ts";
import { checkInteger, checkOptions, describe } from "../internal/validate.ts";
import type { Future } from "../tasks/future.ts";
import type { EventLoop } from "./event_loop.ts";
import {
  checkFamily,
  checkFlags,
  checkHost,
  checkPort,
  checkSockAddr,
  type SockAddr,
} from "./net_checks.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from "./socket_constants.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/** Options of `getaddrinfo`, as Python's keyword arguments. */
export interface GetaddrinfoOptions {
  /** `AF_UNSPEC` (the default), `AF_INET` or `AF_INET6`. */
  family?: number;
  /** `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`, or 0 (the default) for all. */
  type?: number;
  /** `IPPROTO_TCP`, `IPPROTO_UDP`, or 0 (the default) for the type's own. */
  proto?: number;
  /** `AI_*` flags, or-ed together. */
  flags?: number;
}

/**
 * One answer of `getaddrinfo`, as Python's tuple: `[family, type, proto,
 * canonname, sockaddr]`.
 */
export type AddrInfo = [
  family: number,
  type: number,
  proto: number,
  canonname: string,
  sockaddr: SockAddr,
];

const GETADDRINFO_OPTIONS: readonly (keyof GetaddrinfoOptions)[] = [
  "family",
  "type",
  "proto",
  "flags",
];

const AI_KNOWN = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED |
  AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV;

const NI_KNOWN = NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD |
  NI_DGRAM;

/** Socket types with their protocols, in the order glibc lists them. */
const KINDS: readonly [type: number, proto: number][] = [
  [SOCK_STREAM, IPPROTO_TCP],
  [SOCK_DGRAM, IPPROTO_UDP],
  [SOCK_RAW, IPPROTO_IP],
];

/** The hosts of a `null` host, in glibc's order. */
const LOCAL: HostAddress[] = [
  { address: "::1", family: 6 },
  { address: "127.0.0.1", family: 4 },
];
const ANY: HostAddress[] = [
  { address: "0.0.0.0", family: 4 },
  { address: "::", family: 6 },
];

/**
 * Resolves `host` and `port` as Python's `loop.getaddrinfo` does: the
 * function behind `loop.getaddrinfo`. See the method for the details.
 */
export function getaddrinfo(
  loop: EventLoop,
  host: string | null,
  port: number | string | null,
  options?: GetaddrinfoOptions,
): Future<AddrInfo[]> {
  const {
    family = AF_UNSPEC,
    type = 0,
    proto = 0,
    flags = 0,
  } = checkOptions<GetaddrinfoOptions>(
    options,
    "getaddrinfo()",
    GETADDRINFO_OPTIONS,
  );
  if (host !== null && host !== undefined) {
    checkHost(host, "getaddrinfo()'s host");
  }
  const portNumber = toPort(port);
  checkFamily(family, "getaddrinfo()'s family");
  checkFlags(flags, "getaddrinfo()'s flags", AI_KNOWN);
  const kinds = kindsOf(type, proto, port !== null && port !== undefined);
  const future = hostFuture<AddrInfo[]>(loop);
  const answer = (addresses: HostAddress[]) =>
    build(
      addresses,
      kinds,
      portNumber,
      (flags & AI_CANONNAME) !== 0 ? host ?? "" : "",
    );
  const literal = host === null || host === undefined ? 0 : isIP(host);
  if (host === null || host === undefined) {
    const base = (flags & AI_PASSIVE) !== 0 ? ANY : LOCAL;
    settle(future, null, answer(base.filter(ofFamily(family))));
  } else if (literal !== 0) {
    const chosen = chooseFamily(
      [literal === 6 ? ipv6Literal(host) : { address: host, family: 4 }],
      family,
      flags,
    );
    if (chosen.length === 0) {
      settle(
        future,
        nameError(
          host,
          "address family for hostname not supported",
          "EAI_ADDRFAMILY",
        ),
        null,
      );
    } else settle(future, null, answer(chosen));
  } else if ((flags & AI_NUMERICHOST) !== 0) {
    settle(
      future,
      nameError(host, "not a numeric address (AI_NUMERICHOST)", "ENOTFOUND"),
      null,
    );
  } else {
    const asked = family === AF_INET
      ? 4
      : family === AF_INET6 && (flags & AI_V4MAPPED) === 0
      ? 6
      : 0;
    const addrConfig = (flags & AI_ADDRCONFIG) !== 0;
    withResolver(
      future,
      (dns) =>
        dns.lookupAll(host, asked, addrConfig, (error, found) => {
          if (error !== null) return settle(future, error, null);
          const chosen = chooseFamily(found, family, flags);
          if (chosen.length === 0) {
            settle(
              future,
              nameError(
                host,
                "no address of the requested family",
                "ENOTFOUND",
              ),
              null,
            );
          } else settle(future, null, answer(chosen));
        }),
    );
  }
  return future;
}

/**
 * The name and service of a socket address, as Python's
 * `loop.getnameinfo` does: the function behind `loop.getnameinfo`. See
 * the method for the details.
 */
export function getnameinfo(
  loop: EventLoop,
  sockaddr: SockAddr,
  flags = 0,
): Future<[host: string, service: string]> {
  checkSockAddr(sockaddr, "getnameinfo()'s sockaddr");
  checkFlags(flags, "getnameinfo()'s flags", NI_KNOWN);
  const [host, port] = sockaddr;
  const version = isIP(host);
  if (version === 4 && sockaddr.length === 4) {
    throw new TypeError(
      "getnameinfo(): an IPv4 sockaddr must be [host, port], got 4 items",
    );
  }
  const future = hostFuture<[string, string]>(loop);
  if (version === 0) {
    settle(future, nameError(host, "not a numeric address", "ENOTFOUND"), null);
    return future;
  }
  const numericService = (flags & NI_NUMERICSERV) !== 0;
  const finish = (name: string | null, service: string | null) => {
    if (name === null && (flags & NI_NAMEREQD) !== 0) {
      settle(
        future,
        nameError(host, "the address has no name (NI_NAMEREQD)", "ENOTFOUND"),
        null,
      );
      return;
    }
    if (name !== null && (flags & NI_NOFQDN) !== 0) name = name.split(".")[0];
    const serviceName = numericService ? String(port) : service ?? String(port);
    settle(future, null, [name ?? host, serviceName]);
  };
  if ((flags & NI_NUMERICHOST) !== 0 && (flags & NI_NAMEREQD) !== 0) {
    // As glibc: a numeric host is no name, which NI_NAMEREQD requires.
    settle(
      future,
      nameError(host, "a numeric host has no name (NI_NAMEREQD)", "ENOTFOUND"),
      null,
    );
  } else if ((flags & NI_NUMERICHOST) !== 0 && numericService) {
    finish(host, null);
  } else if ((flags & NI_NUMERICHOST) !== 0) {
    withResolver(future, (dns) => {
      serviceOf(dns, port, (service) => finish(host, service));
    });
  } else {
    withResolver(
      future,
      (dns) =>
        dns.lookupService(host, port, (name, service) => {
          if (name !== null || numericService) finish(name, service);
          else serviceOf(dns, port, (service) => finish(null, service));
        }),
    );
  }
  return future;
}

/**
 * The service name of `port`. The host runtimes look services up only
 * together with an address's name, and fail for an address without one:
 * the loopback address always has one.
 */
function serviceOf(
  dns: DnsHost,
  port: number,
  callback: (service: string | null) => void,
) {
  dns.lookupService("127.0.0.1", port, (_name, service) => callback(service));
}

type DnsHost = typeof import("../internal/dns_host.ts");

/** The host's resolver, loaded by the first lookup that needs it. */
const resolver = new OnFirstUse(() => import("../internal/dns_host.ts"));

/**
 * Runs `lookup` with the host's resolver: at once once loaded, else when
 * it is (loaded on first use, so that a program that looks no name up
 * never loads it). A failed load, or a `lookup` that throws, fails
 * `future`, the same either way.
 */
function withResolver<T>(future: Future<T>, lookup: (dns: DnsHost) => void) {
  const run = (dns: DnsHost) => {
    try {
      lookup(dns);
    } catch (error) {
      settle(future, error as Error, null);
    }
  };
  const loaded = resolver.now;
  if (loaded !== null) run(loaded);
  else {
    resolver.get(future.getLoop()).then(
      run,
      (error) => settle(future, error, null),
    );
  }
}

function toPort(port: unknown): number {
  if (port === null || port === undefined || port === "") return 0;
  if (typeof port === "string") {
    if (!/^[0-9]+$/.test(port)) {
      throw new TypeError(
        `getaddrinfo()'s port must be a number or a numeric string; ` +
          `service names such as ${JSON.stringify(port)} are not looked up`,
      );
    }
    return checkPort(Number(port), "getaddrinfo()'s port");
  }
  if (typeof port !== "number") {
    throw new TypeError(
      `getaddrinfo()'s port must be a number, a numeric string or null, got ${
        describe(port)
      }`,
    );
  }
  return checkPort(port, "getaddrinfo()'s port");
}

/**
 * The socket types and protocols to answer for, as glibc pairs them. A raw
 * socket has no port: asking for one with a port fails, as in Python.
 */
function kindsOf(
  type: unknown,
  proto: unknown,
  portGiven: boolean,
): readonly [number, number][] {
  checkInteger(type, "getaddrinfo()'s type", 0, SOCK_RAW);
  checkInteger(proto, "getaddrinfo()'s proto", 0, 255);
  return kindsFor(type as number, proto as number, portGiven);
}

function kindsFor(
  type: number,
  proto: number,
  portGiven: boolean,
): readonly [number, number][] {
  let kinds: [number, number][];
  if (type === 0) {
    kinds = KINDS.filter(([, p]) => proto === 0 || p === proto);
    if (kinds.length === 0) kinds = [[SOCK_RAW, proto]];
  } else {
    const [t, p] = KINDS[type - 1];
    if (proto !== 0 && proto !== p && t !== SOCK_RAW) {
      throw new RangeError(
        `getaddrinfo(): no socket of type ${type} with protocol ${proto}`,
      );
    }
    kinds = [[t, proto === 0 ? p : proto]];
  }
  if (portGiven && kinds.length === 1 && kinds[0][0] === SOCK_RAW) {
    throw new RangeError("getaddrinfo(): a raw socket (SOCK_RAW) has no port");
  }
  return kinds;
}

/**
 * Keeps the addresses of `family`; with `AI_V4MAPPED`, IPv4 addresses
 * become IPv4-mapped IPv6 ones when there is no IPv6 address (or always,
 * with `AI_ALL`).
 */
function chooseFamily(
  addresses: HostAddress[],
  family: number,
  flags: number,
): HostAddress[] {
  if (family !== AF_INET6) return addresses.filter(ofFamily(family));
  const v6 = addresses.filter(ofFamily(AF_INET6));
  const mapped = (flags & AI_V4MAPPED) !== 0 &&
    (v6.length === 0 || (flags & AI_ALL) !== 0);
  if (!mapped) return v6;
  return v6.concat(
    addresses.filter(ofFamily(AF_INET)).map((a) => ({
      address: `::ffff:${a.address}`,
      family: 6,
    })),
  );
}

function ofFamily(family: number): (address: HostAddress) => boolean {
  if (family === AF_INET) return (a) => a.family === 4;
  if (family === AF_INET6) return (a) => a.family === 6;
  return () => true;
}

function build(
  addresses: HostAddress[],
  kinds: readonly [number, number][],
  port: number,
  canonname: string,
): AddrInfo[] {
  const infos: AddrInfo[] = [];
  for (const { address, family, scopeId = 0 } of addresses as Literal[]) {
    const sockaddr: SockAddr = family === 4
      ? [address, port]
      : [address, port, 0, scopeId];
    for (const [type, proto] of kinds) {
      infos.push([
        family === 4 ? AF_INET : AF_INET6,
        type,
        proto,
        infos.length === 0 ? canonname : "",
        [...sockaddr] as SockAddr,
      ]);
    }
  }
  return infos;
}

/** An address as written: an IPv6 one may name its scope. */
interface Literal extends HostAddress {
  /** The interface of a link-local IPv6 address, by number. */
  scopeId?: number;
}

/**
 * An IPv6 address as glibc writes it, as Python's `getaddrinfo` gives it
 * back: lower case, the longest run of zero groups as `::`, an embedded
 * IPv4 address in dots; a numeric scope (`%2`) becomes the scope id. A
 * named scope (`%eth0`) stays in the text: the runtimes cannot number it.
 */
function ipv6Literal(text: string): Literal {
  const at = text.indexOf("%");
  const scope = at < 0 ? "" : text.slice(at + 1);
  if (at >= 0 && !/^\d+$/.test(scope)) return { address: text, family: 6 };
  const words = ipv6Words(at < 0 ? text : text.slice(0, at));
  return { address: formatIpv6(words), family: 6, scopeId: Number(scope) };
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Words(text: string): number[] {
  const groups = (part: string) =>
    part === "" ? [] : part.split(":").flatMap((group) => {
      if (!group.includes(".")) return [parseInt(group, 16)];
      const [a, b, c, d] = group.split(".").map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  const gap = text.indexOf("::");
  if (gap < 0) return groups(text);
  const head = groups(text.slice(0, gap));
  const tail = groups(text.slice(gap + 2));
  return [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail];
}

/** glibc's `inet_ntop` of eight groups. */
function formatIpv6(words: number[]): string {
  let best = -1, bestLength = 0;
  for (let i = 0; i < 8;) {
    let end = i;
    while (end < 8 && words[end] === 0) end++;
    if (end - i > bestLength && end - i >= 2) [best, bestLength] = [i, end - i];
    i = end === i ? i + 1 : end;
  }
  const ipv4Tail = best === 0 &&
    (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff));
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i >= best && i < best + bestLength) {
      if (i === best) text += "::";
      continue;
    }
    if (text !== "" && !text.endsWith("::")) text += ":";
    if (i === 6 && ipv4Tail) {
      const [c, d] = [words[6], words[7]];
      return `${text}${c >> 8}.${c & 255}.${d >> 8}.${d & 255}`;
    }
    text += words[i].toString(16);
  }
  return text;
}

/** A future the host settles; the loop's clock is held until it is done. */
function hostFuture<T>(loop: EventLoop): Future<T> {
  const future = loop.createFuture<T>();
  taskInternals.onDone(future, holdClock(loop));
  return future;
}

function settle<T>(future: Future<T>, error: Error | null, value: T | null) {
  if (future.done() || future.getLoop().isClosed()) return;
  if (error !== null) future.setException(error);
  else future.setResult(value as T);
}

function nameError(host: string, reason: string, code: string): Error {
  return Object.assign(
    new Error(`Cannot resolve ${JSON.stringify(host)}: ${reason} (${code})`),
    { code },
  );
}
