// The wget of the asyncio tutorials: the headers of three sites, fetched
// at once over openConnection with an HTTP/1.0 request. There is no
// network here, so a local server stands in for the three sites (it tells
// them apart by the Host header) and answers them 50 ms apart.
//
// Given URLs (`wget.ts https://127.0.0.1:8443/a.bin`), it fetches those
// instead, https over TLS, and prints the size and SHA-256 of each body;
// `--ca-certificate=FILE` (wget's own option) trusts the authorities in
// FILE instead of the system's.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import process from "node:process";
import { gather, run, sleep } from "../mod.ts";
import {
  createSslContext,
  openConnection,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../streams/mod.ts";

const HOSTS = ["www.sina.com.cn", "www.sohu.com", "www.163.com"];
const HOST = "127.0.0.1";

const args = process.argv.slice(2);
const caFile = args.find((arg) => arg.startsWith("--ca-certificate="));
const ssl = caFile === undefined ? undefined : createSslContext({
  ca: readFileSync(caFile.slice("--ca-certificate=".length), "utf8"),
});
const urls = args.filter((arg) => !arg.startsWith("--")).map((u) => new URL(u));

/** Prints the headers of `url`, connecting to `address` if given. */
async function wget(url: URL, address?: [string, number]) {
  console.log(`wget ${url.hostname}...`);
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const [reader, writer] = await openConnection(
    ...(address ?? [url.hostname, port]),
    { ssl: url.protocol === "https:" && (ssl ?? true) },
  );
  const header = `GET ${url.pathname} HTTP/1.0\r\nHost: ${url.host}\r\n\r\n`;
  writer.write(new TextEncoder().encode(header));
  await writer.drain();
  for (;;) {
    const line = new TextDecoder().decode(await reader.readline());
    if (line === "\r\n" || line === "") break;
    console.log(`${url.hostname} header > ${line.trimEnd()}`);
  }
  if (address === undefined) {
    const body = await reader.read(); // HTTP/1.0: the body ends at EOF
    const sha = createHash("sha256").update(body).digest("hex");
    console.log(`${url.hostname} body: ${body.length} bytes, sha256 ${sha}`);
  }
  writer.close();
  await writer.waitClosed();
}

/** The three sites in one: a page that names the site it is. */
async function site(reader: StreamReader, writer: StreamWriter) {
  const request = new TextDecoder().decode(
    await reader.readuntil(new TextEncoder().encode("\r\n\r\n")),
  );
  const host = /^Host: (.*)\r$/m.exec(request)?.[1] ?? "";
  await sleep(0.05 * (HOSTS.indexOf(host) + 1));
  const body = `<html><title>${host}</title></html>\n`;
  writer.write(new TextEncoder().encode(
    "HTTP/1.0 200 OK\r\nServer: aio-wget\r\nContent-Type: text/html\r\n" +
      `Content-Length: ${body.length}\r\n\r\n${body}`,
  ));
  await writer.drain();
  writer.close();
}

await run(async () => {
  if (urls.length > 0) {
    await gather(...urls.map((url) => wget(url)));
    return;
  }
  await using server = await startServer(site, HOST, 0);
  const port = server.sockets[0].getsockname()[1];
  await gather(
    ...HOSTS.map((host) => wget(new URL(`http://${host}/`), [HOST, port])),
  );
});
