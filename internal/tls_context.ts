/**
 * TLS contexts of the host runtime, over `node:tls`: apart from the
 * handshakes (in `tls_host.ts`), so that making a context loads no socket
 * code.
 *
 * @module
 */
import tls from "node:tls";

/** What a TLS context holds, as the host needs it. */
export interface TlsSettings {
  /** PEM certificates of the authorities to trust; the system's when absent. */
  ca?: string;
  /** This side's PEM certificate chain. */
  cert?: string;
  /** This side's PEM private key. */
  key?: string;
  /** Client: check the server's certificate and name. Server: require a client certificate. */
  verify: boolean;
  /** Protocols offered with ALPN, most preferred first. */
  alpnProtocols?: string[];
  /** The oldest protocol version accepted, such as `"TLSv1.2"`. */
  minVersion?: tls.SecureVersion;
  /** The newest protocol version accepted. */
  maxVersion?: tls.SecureVersion;
}

const contexts = new WeakMap<TlsSettings, tls.SecureContext>();

/** Builds (once per settings object) the host's secure context; throws on a bad PEM. */
export function secureContext(settings: TlsSettings): tls.SecureContext {
  let context = contexts.get(settings);
  if (context === undefined) {
    context = tls.createSecureContext({
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
    });
    contexts.set(settings, context);
  }
  return context;
}
