/**
 * The demo's HTTP/1.0 client over `openConnection`: one GET per
 * connection, as the wget of the asyncio tutorials, reading the body too.
 *
 * @module
 */
import { openConnection, type StreamReader } from "../streams/mod.ts";

/** A response whose status is not 200. */
export class HttpStatusError extends Error {
  override name = "HttpStatusError";

  /** The error for `status`, with the server's reason phrase. */
  constructor(readonly status: number, readonly reason: string) {
    super(`HTTP error ${status} - ${reason}`);
  }
}

/** A connection that ended before a whole response came. */
export class ConnectionLostError extends Error {
  override name = "ConnectionLostError";
}

/** Gets `path` from `host:port` and returns the body of a 200 response. */
export async function httpGet(
  host: string,
  port: number,
  path: string,
): Promise<Uint8Array> {
  const [reader, writer] = await openConnection(host, port);
  let body: Uint8Array;
  try {
    const request = `GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`;
    writer.write(new TextEncoder().encode(request));
    await writer.drain();
    body = await readResponse(reader);
  } finally {
    writer.close();
  }
  await writer.waitClosed();
  return body;
}

/** Reads the status line, the headers and the body of a response. */
async function readResponse(reader: StreamReader): Promise<Uint8Array> {
  const readLine = async () => {
    const line = await reader.readline();
    if (line.length === 0) {
      throw new ConnectionLostError(
        "the server closed the connection without a response",
      );
    }
    return new TextDecoder().decode(line).replace(/\r?\n$/, "");
  };
  const statusLine = await readLine();
  const [, status, reason] = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine) ??
    [];
  if (status === undefined) {
    throw new ConnectionLostError(`not an HTTP response: ${statusLine}`);
  }
  let length: number | null = null;
  for (let line = await readLine(); line !== ""; line = await readLine()) {
    const [name, value] = line.split(/:\s*/, 2);
    if (name.toLowerCase() === "content-length") length = Number(value);
  }
  if (status !== "200") throw new HttpStatusError(Number(status), reason);
  return length === null
    ? await reader.read()
    : await reader.readexactly(length);
}
