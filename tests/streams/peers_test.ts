/**
 * Real peers nobody here wrote: Python's asyncio (TLS server and client, a
 * Unix-socket server and client) and the `openssl` command line (TLS
 * versions, ALPN, certificates that fail verification), all on 127.0.0.1
 * or a Unix socket in a temporary folder.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  createSslContext,
  openConnection,
  openUnixConnection,
  type Server,
  SSLError,
  type SSLObject,
  startServer,
  startUnixServer,
  type StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import { run } from "../../mod.ts";
import { tempDir } from "../fixtures/temp_dir.ts";
import { testCerts } from "./fixtures/certs.ts";

const HOST = "127.0.0.1";
const SIZE = 256 * 1024;

/** The bytes every peer sends: a fixed pattern that shows any reordering. */
function pattern(size = SIZE): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 8)) % 256;
  return data;
}

/** The same pattern, in Python. */
const PY_PATTERN = "bytes((i * 7 + (i >> 8)) % 256 for i in range(size))";

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

/** A child process with its output collected, and a wait for a line. */
interface Peer {
  child: ChildProcess;
  output(): string;
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

function startPeer(command: string, args: string[], input?: string): Peer {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const watchers: (() => void)[] = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const watch of [...watchers]) watch();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exit = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code))
  );
  child.on("error", (error) => {
    output += `\n${command} could not start: ${error.message}`;
  });
  if (input !== undefined) child.stdin!.write(input);
  return {
    child,
    output: () => output,
    exit,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match === null) return;
          watchers.splice(watchers.indexOf(check), 1);
          resolve(match);
        };
        watchers.push(check);
        exit.then(() =>
          reject(
            new Error(`${command} ended before ${pattern}: ${output}`),
          )
        );
        check();
      }),
  };
}

function python(script: string, ...args: string[]): Peer {
  const file = path.join(tempDir("aio-peers-"), "peer.py");
  fs.writeFileSync(file, script);
  return startPeer("python3", [file, ...args]);
}

/** Python's asyncio TLS echo server: echoes until EOF, then closes. */
const PY_TLS_SERVER = `
import asyncio, ssl, sys
async def handle(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()
async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
`;

/** Python's asyncio TLS client: sends the pattern, checks the echo. */
const PY_TLS_CLIENT = `
import asyncio, hashlib, ssl, sys
async def main():
    size = int(sys.argv[3])
    context = ssl.create_default_context(cafile=sys.argv[1])
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", int(sys.argv[2]), ssl=context, server_hostname="localhost")
    data = ${PY_PATTERN}
    writer.write(data)
    await writer.drain()
    echoed = await reader.readexactly(size)
    obj = writer.get_extra_info("ssl_object")
    print("ECHO", echoed == data, hashlib.sha256(echoed).hexdigest(),
          obj.version(), flush=True)
    writer.close()
    await writer.wait_closed()
asyncio.run(main())
`;

/** Python's asyncio Unix-socket echo server. */
const PY_UNIX_SERVER = `
import asyncio, sys
async def handle(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()
async def main():
    server = await asyncio.start_unix_server(handle, sys.argv[1])
    print("LISTENING", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
`;

/** Python's asyncio Unix-socket client: sends the pattern, half-closes, reads all. */
const PY_UNIX_CLIENT = `
import asyncio, hashlib, sys
async def main():
    size = int(sys.argv[2])
    reader, writer = await asyncio.open_unix_connection(sys.argv[1])
    data = ${PY_PATTERN}
    writer.write(data)
    writer.write_eof()
    echoed = await reader.read()
    print("ECHO", echoed == data, hashlib.sha256(echoed).hexdigest(), flush=True)
    writer.close()
asyncio.run(main())
`;

/** Echoes until EOF, then closes: the peer of Python's clients. */
async function echo(reader: StreamReader, writer: StreamWriter) {
  for (;;) {
    const data = await reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

/** Sends the pattern and reads back as many bytes. */
async function sendPattern(
  reader: StreamReader,
  writer: StreamWriter,
): Promise<Uint8Array> {
  const data = pattern();
  const receiving = reader.readexactly(SIZE);
  writer.write(data);
  await writer.drain();
  return await receiving;
}

function serverContext(options: Parameters<typeof createSslContext>[0] = {}) {
  const certs = testCerts();
  return createSslContext({
    purpose: "clientAuth",
    cert: certs.serverCert,
    key: certs.serverKey,
    ...options,
  });
}

function clientContext(options: Parameters<typeof createSslContext>[0] = {}) {
  return createSslContext({ ca: testCerts().ca, ...options });
}

describe("Python's asyncio as the peer", () => {
  it("our TLS client against Python's TLS server, byte for byte", async () => {
    const certs = testCerts();
    const peer = python(
      PY_TLS_SERVER,
      certs.serverCertFile,
      certs.serverKeyFile,
    );
    try {
      const port = Number((await peer.line(/PORT (\d+)/))[1]);
      const [echoed, version] = await run(async () => {
        const [reader, writer] = await openConnection(HOST, port, {
          ssl: clientContext(),
          serverHostname: "localhost",
        });
        const echoed = await Promise.race([sendPattern(reader, writer)]);
        const version = (writer.getExtraInfo("sslObject") as SSLObject)
          .version();
        writer.close();
        await writer.waitClosed();
        return [echoed, version];
      });
      assert.equal(sha256(echoed), sha256(pattern()));
      assert.equal(version, "TLSv1.3");
    } finally {
      peer.child.kill();
    }
  });

  it("Python's TLS client against our TLS server, byte for byte", async () => {
    const certs = testCerts();
    const [report, received] = await run(async () => {
      let received = "";
      await using server = await startServer(
        async (reader, writer) => {
          const data = await reader.readexactly(SIZE);
          received = sha256(data);
          writer.write(data);
          await writer.drain();
          await reader.read();
          writer.close();
        },
        HOST,
        0,
        { ssl: serverContext() },
      );
      const peer = python(
        PY_TLS_CLIENT,
        certs.caFile,
        String(portOf(server)),
        String(SIZE),
      );
      const report = (await peer.line(/ECHO .*\n/))[0];
      await peer.exit;
      return [report, received];
    });
    assert.equal(report, `ECHO True ${sha256(pattern())} TLSv1.3\n`);
    assert.equal(received, sha256(pattern()));
  });

  it("our Unix client against Python's Unix server, and Python's client against ours", async () => {
    const dir = tempDir("aio-peers-");
    const theirs = path.join(dir, "python.sock");
    const ours = path.join(dir, "ours.sock");
    const peer = python(PY_UNIX_SERVER, theirs);
    try {
      await peer.line(/LISTENING/);
      const [echoed, report] = await run(async () => {
        const [reader, writer] = await openUnixConnection(theirs);
        writer.write(pattern());
        writer.writeEof();
        const echoed = await reader.read();
        writer.close();
        await writer.waitClosed();
        await using _server = await startUnixServer(echo, ours);
        const client = python(PY_UNIX_CLIENT, ours, String(SIZE));
        const report = (await client.line(/ECHO .*\n/))[0];
        await client.exit;
        return [echoed, report];
      });
      assert.equal(sha256(echoed), sha256(pattern()));
      assert.equal(report, `ECHO True ${sha256(pattern())}\n`);
    } finally {
      peer.child.kill();
    }
  });
});

/** Starts `openssl s_server` on a free port of 127.0.0.1. */
async function sServer(...args: string[]): Promise<[Peer, number]> {
  const certs = testCerts();
  const peer = startPeer("openssl", [
    "s_server",
    "-accept",
    `${HOST}:0`,
    "-cert",
    certs.serverCertFile,
    "-key",
    certs.serverKeyFile,
    "-naccept",
    "1",
    ...args,
  ]);
  const port = Number((await peer.line(/ACCEPT [\d.]+:(\d+)/))[1]);
  return [peer, port];
}

describe("the openssl command line as the peer", () => {
  it("s_server -rev: our client's bytes come back reversed", async () => {
    const [peer, port] = await sServer("-rev");
    try {
      const line = await run(async () => {
        const [reader, writer] = await openConnection(HOST, port, {
          ssl: clientContext(),
          serverHostname: "localhost",
        });
        writer.write(new TextEncoder().encode("stressed\n"));
        // s_server prints a banner before the reversed line.
        let line = "";
        while (!line.startsWith("desserts")) {
          line = new TextDecoder().decode(await reader.readline());
          assert.notEqual(line, "", "s_server closed first");
        }
        writer.close();
        return line;
      });
      assert.equal(line, "desserts\n");
    } finally {
      peer.child.kill();
    }
  });

  it("a TLS 1.2 server: accepted by default, refused with minVersion TLSv1.3", async () => {
    const [peer12, port12] = await sServer("-tls1_2", "-naccept", "2");
    try {
      const [version, error] = await run(async () => {
        const [, writer] = await openConnection(HOST, port12, {
          ssl: clientContext(),
          serverHostname: "localhost",
        });
        const version = (writer.getExtraInfo("sslObject") as SSLObject)
          .version();
        writer.close();
        const error = await openConnection(HOST, port12, {
          ssl: clientContext({ minVersion: "TLSv1.3" }),
          serverHostname: "localhost",
        }).catch((e) => e);
        return [version, error];
      });
      assert.equal(version, "TLSv1.2");
      assert.ok(error instanceof SSLError, String(error));
    } finally {
      peer12.child.kill();
    }
  });

  it("ALPN: s_server picks from what our client offers", async () => {
    const [peer, port] = await sServer("-alpn", "spdy/1,foo");
    try {
      const chosen = await run(async () => {
        const [, writer] = await openConnection(HOST, port, {
          ssl: clientContext({ alpnProtocols: ["bar", "foo"] }),
          serverHostname: "localhost",
        });
        const chosen = (writer.getExtraInfo("sslObject") as SSLObject)
          .selectedAlpnProtocol();
        writer.close();
        return chosen;
      });
      assert.equal(chosen, "foo");
    } finally {
      peer.child.kill();
    }
  });

  it("s_client against our server: verified, with ALPN, bytes echoed", async () => {
    const certs = testCerts();
    const [output, code, alpn] = await run(async () => {
      let alpn: string | null = null;
      await using server = await startServer(
        async (reader, writer) => {
          alpn = (writer.getExtraInfo("sslObject") as SSLObject)
            .selectedAlpnProtocol();
          writer.write(await reader.readline());
          await writer.drain();
          writer.close();
        },
        HOST,
        0,
        { ssl: serverContext({ alpnProtocols: ["h2", "http/1.1"] }) },
      );
      const client = startPeer("openssl", [
        "s_client",
        "-connect",
        `${HOST}:${portOf(server)}`,
        "-CAfile",
        certs.caFile,
        "-servername",
        "localhost",
        "-verify_hostname",
        "localhost",
        "-verify_return_error",
        "-alpn",
        "http/1.1",
        "-quiet",
      ], "through s_client\n");
      const code = await client.exit;
      return [client.output(), code, alpn];
    });
    assert.equal(code, 0, output);
    assert.match(output, /through s_client/);
    assert.equal(alpn, "http/1.1");
  });

  it("s_client refuses our certificate for another host name; the handler never runs", async () => {
    const certs = testCerts();
    const [output, code, served] = await run(async () => {
      let served = 0;
      await using server = await startServer(
        (_reader, writer) => {
          served++;
          writer.close();
        },
        HOST,
        0,
        { ssl: serverContext() },
      );
      const client = startPeer("openssl", [
        "s_client",
        "-connect",
        `${HOST}:${portOf(server)}`,
        "-CAfile",
        certs.caFile,
        "-verify_hostname",
        "example.com",
        "-verify_return_error",
        "-quiet",
      ], "");
      client.child.stdin!.end();
      const code = await client.exit;
      return [client.output(), code, served];
    });
    assert.notEqual(code, 0);
    assert.match(output, /verify error|hostname mismatch/i);
    assert.equal(served, 0);
  });

  it("s_client with TLS 1.2 against our TLS 1.3-only server fails the handshake", async () => {
    const certs = testCerts();
    const [code, served] = await run(async () => {
      let served = 0;
      await using server = await startServer(
        (_reader, writer) => {
          served++;
          writer.close();
        },
        HOST,
        0,
        { ssl: serverContext({ minVersion: "TLSv1.3" }) },
      );
      const client = startPeer("openssl", [
        "s_client",
        "-connect",
        `${HOST}:${portOf(server)}`,
        "-CAfile",
        certs.caFile,
        "-tls1_2",
        "-quiet",
      ], "");
      client.child.stdin!.end();
      return [await client.exit, served];
    });
    assert.notEqual(code, 0);
    assert.equal(served, 0);
  });
});
