/**
 * TLS of the host runtime: one adapter over `node:tls`, which Deno, Bun and
 * Node all provide. Every TLS socket here is made over a connected plain
 * socket, on the client side (`tls.connect({ socket })`) and on the server
 * side (`new tls.TLSSocket(socket, { isServer: true })`), so connecting,
 * serving and STARTTLS share one path (measured on all three: both sides,
 * ALPN, peer certificates, ciphers and the verification error codes
 * behave alike).
 *
 * @module
 */
import tls from "node:tls";
import net from "node:net";
import { RawSocket, type TlsDetails } from "./socket_host.ts";
import { guardStream, type NodeStream } from "./stream_host.ts";
import { secureContext, type TlsSettings } from "./tls_context.ts";
import { errorCode } from "./errors.ts";

/** How a handshake failed: the host's error and what kind of failure it is. */
export interface HandshakeFailure {
  /** The host's error, with its `code`. */
  error: Error;
  /** `"verify"`: the peer's certificate or name did not check out; `"tls"`: the protocol failed; `"os"`: the connection failed. */
  kind: "verify" | "tls" | "os";
}

/** How a handshake ends. */
export interface HandshakeCallbacks {
  /** The handshake is done: the TLS socket. */
  secure(socket: RawSocket): void;
  /** The handshake failed. */
  failed(failure: HandshakeFailure): void;
}

/** A handshake under way. */
export interface Handshake {
  /** Gives up: the socket is closed. */
  abort(): void;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/** Options of one handshake. */
export interface HandshakeOptions {
  /** The side of the connection this end is. */
  serverSide: boolean;
  /** The context's settings. */
  settings: TlsSettings;
  /** Client side: the name to send (SNI) and to check the certificate against. */
  serverHostname: string | null;
  /** Seconds the peer has to answer the close, once connected. */
  shutdownTimeout: number;
}

/** Starts a TLS handshake over the connected plain socket `plain`. */
export function startHandshake(
  plain: RawSocket,
  options: HandshakeOptions,
  callbacks: HandshakeCallbacks,
): Handshake {
  const { serverSide, settings, serverHostname } = options;
  const stream = plain.stream as net.Socket;
  // TLS cannot half-close, and over a half-open socket Deno never reports
  // a peer that leaves during the handshake.
  stream.allowHalfOpen = false;
  let socket: tls.TLSSocket | null = null;
  let done = false;
  const fail = (error: Error) => {
    if (done) return;
    done = true;
    socket?.destroy();
    stream.destroy();
    callbacks.failed({ error, kind: kindOf(error) });
  };
  const secure = (secured: tls.TLSSocket) => {
    if (done) {
      secured.destroy();
      return;
    }
    done = true;
    guardStream(secured as unknown as NodeStream);
    secured.off("error", fail);
    secured.unref?.();
    const details = detailsOf(secured, options);
    callbacks.secure(
      new RawSocket(secured as unknown as NodeStream, plain, details, plain),
    );
  };
  if (serverSide) {
    // A TLS server that never listens makes the server side of the
    // handshake, so client certificates are checked as a listening one
    // checks them (a lone server-side TLSSocket does not).
    // Deno and Bun ignore a secureContext here: the settings go as they are.
    const server = tls.createServer({
      cert: settings.cert,
      key: settings.key,
      ca: settings.ca,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
      ALPNProtocols: settings.alpnProtocols,
      requestCert: settings.verify,
      rejectUnauthorized: settings.verify,
    });
    server.once("secureConnection", (secured: tls.TLSSocket) => {
      socket = secured;
      secure(secured);
    });
    server.once("tlsClientError", (error: Error) => fail(error));
    server.emit("connection", stream);
  } else {
    const name = serverHostname ?? undefined;
    const secured = tls.connect({
      socket: stream,
      secureContext: secureContext(settings),
      // The name is checked against the certificate; SNI takes no address.
      host: name,
      servername: name !== undefined && net.isIP(name) === 0 ? name : undefined,
      ALPNProtocols: settings.alpnProtocols,
      rejectUnauthorized: settings.verify,
      checkServerIdentity: settings.verify
        ? tls.checkServerIdentity
        : () => undefined,
    });
    socket = secured;
    secured.once("error", fail);
    secured.once("secureConnect", () => secure(secured));
  }
  stream.once("close", () => fail(closedInHandshake()));
  return {
    abort: () => {
      done = true;
      socket?.destroy();
      stream.destroy();
    },
    hold: () => {
      stream.ref?.();
      return () => void stream.unref?.();
    },
  };
}

function closedInHandshake(): Error {
  return Object.assign(
    new Error("The peer closed the connection during the TLS handshake"),
    { code: "ECONNRESET" },
  );
}

const VERIFY_CODES = new Set([
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "HOSTNAME_MISMATCH",
]);

/** What kind of failure a TLS socket's error is, as `HandshakeFailure`. */
export function kindOf(error: Error): HandshakeFailure["kind"] {
  const code = String(errorCode(error) ?? "");
  if (VERIFY_CODES.has(code)) return "verify";
  if (/^E[A-Z]+$/.test(code) && !code.startsWith("ERR_")) return "os";
  return "tls";
}

/**
 * The session's details, read once the handshake is done: the host forgets
 * them as the socket closes, where Python's SSL object keeps them.
 */
function detailsOf(
  socket: tls.TLSSocket,
  options: HandshakeOptions,
): TlsDetails {
  const { serverSide, settings, serverHostname } = options;
  const name = serverSide
    ? (socket as { servername?: string | false }).servername || null
    : serverHostname;
  const certificate = settings.verify && socket.authorized
    ? socket.getPeerCertificate()
    : null;
  const peer = certificate && Object.keys(certificate).length > 0
    ? certificate
    : null;
  const chosen = socket.getCipher?.();
  // OpenSSL's name, as Python's `cipher()` gives it.
  const cipher: [string, string, number] | null = chosen
    ? [chosen.name, chosen.version, bitsOf(chosen.name)]
    : null;
  const version = socket.getProtocol?.() ?? null;
  const alpn = socket.alpnProtocol || null;
  return {
    serverSide,
    serverHostname: name,
    shutdownTimeout: options.shutdownTimeout,
    peerCertificate: () => peer,
    cipher: () => cipher && [...cipher],
    version: () => version,
    alpnProtocol: () => alpn,
  };
}

/**
 * The secret bits of a cipher, read from the cipher's part of its name (the
 * host does not say): `ECDHE-RSA-AES128-GCM-SHA256` is 128, its `SHA256`
 * being the hash.
 */
function bitsOf(name: string): number {
  const sized = /(?:AES|CAMELLIA|ARIA)[-_]?(128|256)/.exec(name);
  if (sized !== null) return Number(sized[1]);
  if (/CHACHA20/.test(name)) return 256;
  if (/3DES|DES-CBC3/.test(name)) return 112;
  return 0;
}
