/**
 * TLS contexts and errors: `createSslContext()` (Python's
 * `ssl.create_default_context()`), `SSLContext`, `SSLError`,
 * `SSLCertVerificationError`, and `SSLObject`, what a TLS transport's
 * `getExtraInfo("sslObject")` gives.
 *
 * @module
 */
import type { TlsDetails } from "../internal/socket_host.ts";
import type { HandshakeFailure } from "../internal/tls_host.ts";
import { secureContext, type TlsSettings } from "../internal/tls_context.ts";
import { checkOptions, describe } from "../internal/validate.ts";
import { internals } from "./_internals.ts";
import { errorCode } from "../internal/errors.ts";

/** The TLS protocol versions a context can be limited to. */
export type TlsVersion = "TLSv1.2" | "TLSv1.3";

/** Options of `createSslContext()`. */
export interface SslContextOptions {
  /**
   * `"serverAuth"` (the default): a context for clients, which
   * authenticate servers. `"clientAuth"`: a context for servers.
   */
  purpose?: "serverAuth" | "clientAuth";
  /** PEM text of the authorities to trust, instead of the system's. */
  ca?: string | Uint8Array;
  /** PEM text of this side's certificate chain (a server's, or a client's). */
  cert?: string | Uint8Array;
  /** PEM text of this side's private key. */
  key?: string | Uint8Array;
  /**
   * Client context: verify the server's certificate and host name (default
   * `true`). Server context: require a client certificate signed by `ca`
   * (default `false`).
   */
  verify?: boolean;
  /** Protocols to offer with ALPN, most preferred first (`["h2", "http/1.1"]`). */
  alpnProtocols?: string[];
  /** The oldest protocol version accepted; `"TLSv1.2"` by default. */
  minVersion?: TlsVersion;
  /** The newest protocol version accepted. */
  maxVersion?: TlsVersion;
}

const CONTEXT_OPTIONS: (keyof SslContextOptions)[] = [
  "purpose",
  "ca",
  "cert",
  "key",
  "verify",
  "alpnProtocols",
  "minVersion",
  "maxVersion",
];

/**
 * A TLS configuration, made by `createSslContext()`: Python's
 * `ssl.SSLContext`. Pass it as `ssl` to `openConnection`, `startServer`,
 * `loop.createConnection`, `loop.createServer` or `startTls`.
 *
 * @example A client context that trusts one authority
 * ```ts
 * import { createSslContext, SSLContext } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const context = createSslContext({ alpnProtocols: ["http/1.1"] });
 * assert.ok(context instanceof SSLContext);
 * assert.equal(context.purpose, "serverAuth");
 * assert.equal(context.verify, true);
 * ```
 */
export class SSLContext {
  /** `"serverAuth"` for a client context, `"clientAuth"` for a server's. */
  readonly purpose: "serverAuth" | "clientAuth";
  readonly #settings: TlsSettings;

  private constructor(
    purpose: "serverAuth" | "clientAuth",
    settings: TlsSettings,
  ) {
    this.purpose = purpose;
    this.#settings = settings;
  }

  static {
    internals.newSslContext = (purpose, settings) =>
      new SSLContext(purpose, settings);
    internals.tlsSettings = (context) => context.#settings;
  }

  /** True when the peer's certificate is verified. */
  get verify(): boolean {
    return this.#settings.verify;
  }

  /** The protocols offered with ALPN. */
  get alpnProtocols(): readonly string[] {
    return this.#settings.alpnProtocols ?? [];
  }

  /** The oldest protocol version accepted. */
  get minVersion(): TlsVersion {
    return (this.#settings.minVersion ?? "TLSv1.2") as TlsVersion;
  }

  /** A short description. */
  toString(): string {
    return `<SSLContext ${this.purpose}${this.verify ? " verify" : ""}>`;
  }
}

/**
 * Makes a TLS context with secure defaults: Python's
 * `ssl.create_default_context()`. A client context verifies the server's
 * certificate against the system's authorities (or `ca`) and its host
 * name; a server context (`purpose: "clientAuth"`) needs `cert` and `key`.
 * Certificates and keys are PEM text, not file names. A bad PEM is a
 * `TypeError` at the call.
 *
 * @example Contexts for both sides
 * ```ts
 * import { createSslContext } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const client = createSslContext({ minVersion: "TLSv1.3" });
 * assert.equal(client.minVersion, "TLSv1.3");
 * assert.throws(
 *   () => createSslContext({ purpose: "clientAuth" }),
 *   /needs cert and key/,
 * );
 * ```
 */
export function createSslContext(options: SslContextOptions = {}): SSLContext {
  const given = checkOptions<SslContextOptions>(
    options,
    "createSslContext()",
    CONTEXT_OPTIONS,
  );
  const purpose = given.purpose ?? "serverAuth";
  if (purpose !== "serverAuth" && purpose !== "clientAuth") {
    throw new RangeError(
      `purpose must be "serverAuth" or "clientAuth", got ${describe(purpose)}`,
    );
  }
  const verify = given.verify ?? purpose === "serverAuth";
  if (typeof verify !== "boolean") {
    throw new TypeError(`verify must be a boolean, got ${describe(verify)}`);
  }
  const settings: TlsSettings = {
    ca: pem(given.ca, "ca"),
    cert: pem(given.cert, "cert"),
    key: pem(given.key, "key"),
    verify,
    alpnProtocols: alpn(given.alpnProtocols),
    minVersion: version(given.minVersion, "minVersion") ?? "TLSv1.2",
    maxVersion: version(given.maxVersion, "maxVersion"),
  };
  if (purpose === "clientAuth" && (!settings.cert || !settings.key)) {
    throw new TypeError(
      'A server context (purpose: "clientAuth") needs cert and key',
    );
  }
  if ((settings.cert === undefined) !== (settings.key === undefined)) {
    throw new TypeError("cert and key go together: give both or neither");
  }
  try {
    secureContext(settings);
  } catch (error) {
    throw new TypeError(
      `createSslContext() cannot use these certificates: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  return internals.newSslContext(purpose, settings);
}

/** The default client context, made once: `ssl: true`. */
let defaultContext: SSLContext | null = null;

/** Checks an `ssl` option: `true` (the default client context), a context, or off. */
export function checkSsl(ssl: unknown, caller: string): SSLContext | null {
  if (ssl === undefined || ssl === null || ssl === false) return null;
  if (ssl === true) return defaultContext ??= createSslContext();
  if (ssl instanceof SSLContext) return ssl;
  throw new TypeError(
    `${caller}: ssl must be true, false or a context from ` +
      `createSslContext(), got ${describe(ssl)}`,
  );
}

function pem(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === "string") return value;
  throw new TypeError(
    `${name} must be PEM text (a string or bytes), got ${describe(value)}`,
  );
}

function alpn(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.some((name) => typeof name !== "string" || name === "")
  ) {
    throw new TypeError(
      `alpnProtocols must be an array of protocol names, got ${
        describe(value)
      }`,
    );
  }
  return [...value];
}

function version(value: unknown, name: string): TlsVersion | undefined {
  if (value === undefined) return undefined;
  if (value === "TLSv1.2" || value === "TLSv1.3") return value;
  throw new RangeError(
    `${name} must be "TLSv1.2" or "TLSv1.3", got ${describe(value)}`,
  );
}

/**
 * A TLS error: the handshake failed, or the connection broke in a way TLS
 * detected. Python's `ssl.SSLError`. `code` is the host's code (such as
 * `"ERR_SSL_WRONG_VERSION_NUMBER"`), `cause` its error.
 *
 * @example Telling a TLS failure apart
 * ```ts
 * import { SSLCertVerificationError, SSLError } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const error = new SSLCertVerificationError("unknown issuer", "CERT_UNTRUSTED");
 * assert.ok(error instanceof SSLError);
 * assert.match(error.message, /certificate verify failed: unknown issuer/);
 * ```
 */
export class SSLError extends Error {
  /** The host's error code. */
  readonly code: string;

  /** Creates the error; `code` is the host's error code. */
  constructor(message: string, code = "", options?: ErrorOptions) {
    super(message, options);
    this.name = "SSLError";
    this.code = code;
  }
}

/**
 * The peer's certificate did not verify: an unknown authority, an expired
 * certificate, or a certificate for another host name. Python's
 * `ssl.SSLCertVerificationError`; `verifyMessage` says why.
 *
 * @example The message says why
 * ```ts
 * import { SSLCertVerificationError } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const error = new SSLCertVerificationError("Hostname mismatch", "ERR_TLS_CERT_ALTNAME_INVALID");
 * assert.equal(error.verifyMessage, "Hostname mismatch");
 * ```
 */
export class SSLCertVerificationError extends SSLError {
  /** Why the certificate was refused. */
  readonly verifyMessage: string;

  /** Creates the error from the reason and the host's code. */
  constructor(verifyMessage: string, code = "", options?: ErrorOptions) {
    super(
      `certificate verify failed: ${verifyMessage}${code ? ` (${code})` : ""}`,
      code,
      options,
    );
    this.name = "SSLCertVerificationError";
    this.verifyMessage = verifyMessage;
  }
}

/** The error for a failed handshake, as Python would raise it. */
export function handshakeError(failure: HandshakeFailure): Error {
  const { error, kind } = failure;
  const code = String(errorCode(error) ?? "");
  if (kind === "verify") {
    return new SSLCertVerificationError(error.message, code, { cause: error });
  }
  if (kind === "tls") {
    return new SSLError(
      `TLS handshake failed: ${error.message}`,
      code,
      { cause: error },
    );
  }
  return Object.assign(
    new Error(`TLS handshake failed: ${error.message}`, { cause: error }),
    { code },
  );
}

/**
 * The error an established TLS connection ends with, as Python would
 * raise it: a failure of the protocol itself is an `SSLError`.
 */
export function connectionError(failure: HandshakeFailure): Error {
  if (failure.kind !== "tls") return failure.error;
  const code = String(errorCode(failure.error) ?? "");
  return new SSLError(failure.error.message, code, { cause: failure.error });
}

/** A certificate as Python's `getpeercert()` gives it. */
export interface PeerCertificate {
  /** The subject's name, as relative distinguished names of `[key, value]`. */
  subject: [string, string][][];
  /** The issuer's name, in the same form. */
  issuer: [string, string][][];
  /** The X.509 version: 3 for a v3 certificate, as Python counts it. */
  version: number;
  /** The serial number in hexadecimal. */
  serialNumber: string;
  /** Start of validity, as `"Jan  5 09:34:43 2026 GMT"`. */
  notBefore: string;
  /** End of validity, in the same form. */
  notAfter: string;
  /** Alternative names: `[["DNS", "localhost"], ["IP Address", "127.0.0.1"]]`. */
  subjectAltName: [string, string][];
}

const NAME_KEYS: Record<string, string> = {
  C: "countryName",
  ST: "stateOrProvinceName",
  L: "localityName",
  O: "organizationName",
  OU: "organizationalUnitName",
  CN: "commonName",
  emailAddress: "emailAddress",
};

/** Converts the host's certificate object to Python's form. */
function toPeerCertificate(host: unknown): PeerCertificate | null {
  if (host === null || typeof host !== "object") return null;
  const cert = host as Record<string, unknown>;
  const name = (value: unknown) =>
    Object.entries((value ?? {}) as Record<string, string | string[]>)
      .flatMap(([key, v]) =>
        (Array.isArray(v) ? v : [v]).map((
          each,
        ) => [[NAME_KEYS[key] ?? key, String(each)] as [string, string]])
      );
  const altNames = String(cert.subjectaltname ?? "")
    .split(", ")
    .filter((entry) => entry.includes(":"))
    .map((entry) => {
      const at = entry.indexOf(":");
      return [entry.slice(0, at), entry.slice(at + 1)] as [string, string];
    });
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    version: x509Version(cert.raw),
    serialNumber: String(cert.serialNumber ?? "").toUpperCase(),
    notBefore: String(cert.valid_from ?? ""),
    notAfter: String(cert.valid_to ?? ""),
    subjectAltName: altNames,
  };
}

/**
 * The version of a DER certificate (`raw`), counted from 1 as Python's
 * `getpeercert()` counts it: the explicit `[0]` field that opens the
 * to-be-signed part holds it, and a certificate without it is a v1 one.
 */
function x509Version(raw: unknown): number {
  if (!(raw instanceof Uint8Array)) return 0;
  let at = 0;
  /** Steps over a tag and its length, into the value. */
  const enter = () => {
    at++;
    const length = raw[at++];
    if (length & 0x80) at += length & 0x7f;
  };
  enter(); // the certificate
  enter(); // its to-be-signed part
  if (raw[at] !== 0xa0) return 1;
  enter(); // [0]
  if (raw[at] !== 0x02) return 1;
  at++;
  let version = 0;
  for (let left = raw[at++]; left > 0; left--) {
    version = version * 256 + raw[at++];
  }
  return version + 1;
}

/** Makes the `sslObject` of a TLS connection; for this package only. */
export function sslObjectOf(
  details: TlsDetails,
  context: SSLContext,
): SSLObject {
  return internals.newSslObject(details, context);
}

/**
 * The TLS side of a connection, as `getExtraInfo("sslObject")` gives it:
 * the methods of Python's `ssl.SSLObject` that describe the session.
 *
 * @example What a TLS connection agreed on
 * ```ts
 * import { SSLObject } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * // Given by getExtraInfo("sslObject") on a TLS transport or writer:
 * assert.equal(typeof SSLObject.prototype.selectedAlpnProtocol, "function");
 * ```
 */
export class SSLObject {
  readonly #details: TlsDetails;
  /** The context the connection was made with. */
  readonly context: SSLContext;

  private constructor(details: TlsDetails, context: SSLContext) {
    this.#details = details;
    this.context = context;
  }

  static {
    internals.newSslObject = (details, context) =>
      new SSLObject(details, context);
  }

  /** True on the server side. */
  get serverSide(): boolean {
    return this.#details.serverSide;
  }

  /** The host name the client asked for, or `null`. */
  get serverHostname(): string | null {
    return this.#details.serverHostname;
  }

  /** The protocol version: `"TLSv1.3"` or `"TLSv1.2"`. */
  version(): string | null {
    return this.#details.version();
  }

  /** `[name, protocol version, secret bits]` of the cipher in use. */
  cipher(): [string, string, number] | null {
    return this.#details.cipher();
  }

  /** The protocol ALPN chose, or `null`. */
  selectedAlpnProtocol(): string | null {
    return this.#details.alpnProtocol();
  }

  /**
   * The peer's certificate in Python's form; `null` when the peer sent none
   * or it was not verified (where Python gives an empty dict).
   */
  getpeercert(): PeerCertificate | null {
    return toPeerCertificate(this.#details.peerCertificate());
  }
}
