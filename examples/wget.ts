// The wget of the asyncio tutorials: the headers of three sites, fetched
// at once over openConnection with an HTTP/1.0 request. There is no
// network here, so a local server stands in for the three sites (it tells
// them apart by the Host header) and answers them 50 ms apart.
import { gather, run, sleep } from "../mod.ts";
import {
  openConnection,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../streams/mod.ts";

const HOSTS = ["www.sina.com.cn", "www.sohu.com", "www.163.com"];
let port = 0;

async function wget(host: string): Promise<void> {
  console.log(`wget ${host}...`);
  const [reader, writer] = await openConnection("127.0.0.1", port);
  const header = `GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`;
  writer.write(new TextEncoder().encode(header));
  await writer.drain();
  for (;;) {
    const line = new TextDecoder().decode(await reader.readline());
    if (line === "\r\n" || line === "") break;
    console.log(`${host} header > ${line.trimEnd()}`);
  }
  // Ignore the body, close the socket
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
  await using server = await startServer(site, "127.0.0.1", 0);
  port = server.sockets[0].getsockname()[1];
  await gather(...HOSTS.map((host) => wget(host)));
});
