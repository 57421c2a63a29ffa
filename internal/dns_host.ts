/**
 * Name resolution of the host runtime: one adapter over `node:dns`, which
 * Deno, Bun and Node all provide. `lookup` asks the system's resolver
 * (getaddrinfo, so `/etc/hosts` counts); `lookupService` asks getnameinfo
 * but only for names (it fails where an address has none), and Bun reports
 * port 0's service as `null`. A request keeps the process alive until its
 * callback has run, on all three.
 *
 * @module
 */
import dns from "node:dns";
import { errorCode } from "./errors.ts";

/** One address the resolver gave: the text form and its IP version. */
export interface HostAddress {
  /** The address, such as `"127.0.0.1"` or `"::1"`. */
  address: string;
  /** 4 or 6. */
  family: 4 | 6;
}

/**
 * Resolves `host` to every address the system knows for it, in the
 * resolver's order. `family` 0 asks for both IP versions; `addrConfig`
 * keeps only versions this machine has an address of.
 */
export function lookupAll(
  host: string,
  family: 0 | 4 | 6,
  addrConfig: boolean,
  callback: (error: Error | null, addresses: HostAddress[]) => void,
): void {
  const options = {
    all: true as const,
    family,
    hints: addrConfig ? dns.ADDRCONFIG : 0,
    verbatim: true,
  };
  dns.lookup(host, options, (error, addresses) => {
    if (error !== null) callback(describeError(error, host), []);
    else callback(null, addresses as HostAddress[]);
  });
}

/**
 * The name of `address` and the service name of `port`, as the system's
 * getnameinfo gives them; `null` for what it has no name for.
 */
export function lookupService(
  address: string,
  port: number,
  callback: (hostname: string | null, service: string | null) => void,
): void {
  dns.lookupService(address, port, (error, hostname, service) => {
    if (error !== null) callback(null, null);
    else callback(hostname || null, service || null);
  });
}

const REASONS: Record<string, string> = {
  ENOTFOUND: "name or service not known",
  ENODATA: "no address of the requested family",
  EAI_AGAIN: "temporary failure in name resolution",
  EAI_FAIL: "non-recoverable failure in name resolution",
};

/**
 * An error that says which name failed and why; the system's `code`
 * (such as `"ENOTFOUND"`) and the original error (`cause`) are kept.
 */
export function describeError(error: Error, host: string): Error {
  const code = errorCode(error);
  const reason = typeof code === "string" && code in REASONS
    ? `${REASONS[code]} (${code})`
    : error.message;
  const described = new Error(
    `Cannot resolve ${JSON.stringify(host)}: ${reason}`,
    {
      cause: error,
    },
  );
  return Object.assign(described, { code });
}
