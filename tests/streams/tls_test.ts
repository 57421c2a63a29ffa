import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import path from "node:path";
import process from "node:process";
import {
  createSslContext,
  openConnection,
  openUnixConnection,
  type Server,
  SSLCertVerificationError,
  SSLError,
  type SSLObject,
  startServer,
  startUnixServer,
  type StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  Protocol,
  run,
  sleep,
  type Transport,
  waitFor,
} from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { testCerts } from "./fixtures/certs.ts";
import { tempDir } from "../fixtures/temp_dir.ts";

const HOST = "127.0.0.1";

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

function serverContext(
  options: Parameters<typeof createSslContext>[0] = {},
) {
  const certs = testCerts();
  return createSslContext({
    purpose: "clientAuth",
    cert: certs.serverCert,
    key: certs.serverKey,
    ...options,
  });
}

function clientContext(
  options: Parameters<typeof createSslContext>[0] = {},
) {
  return createSslContext({ ca: testCerts().ca, ...options });
}

async function echo(reader: StreamReader, writer: StreamWriter) {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

async function closeWriter(writer: StreamWriter) {
  writer.close();
  await writer.waitClosed();
}

/** A plain TCP server that records what it received and never answers. */
async function silentServer(): Promise<
  { port: number; received: () => Buffer; closed: Promise<void>; stop(): void }
> {
  let received = Buffer.alloc(0);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => resolveClosed = resolve);
  const server = net.createServer((socket) => {
    socket.on("data", (chunk) => received = Buffer.concat([received, chunk]));
    socket.on("close", () => resolveClosed());
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    closed,
    stop: () => server.close(),
  };
}

describe("TLS streams", () => {
  it("a client and a server talk TLS, with the session's details", async () => {
    const result = await run(async () => {
      let serverSsl: SSLObject | null = null;
      await using server = await startServer(
        async (reader, writer) => {
          serverSsl = writer.getExtraInfo("sslObject") as SSLObject;
          await echo(reader, writer);
        },
        HOST,
        0,
        { ssl: serverContext({ alpnProtocols: ["http/1.1"] }) },
      );
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext({ alpnProtocols: ["h2", "http/1.1"] }),
      });
      writer.write(bytes("secret line\n"));
      await writer.drain();
      const line = text(await reader.readline());
      const ssl = writer.getExtraInfo("sslObject") as SSLObject;
      const result = {
        line,
        peercert: writer.getExtraInfo("peercert"),
        cipher: writer.getExtraInfo("cipher"),
        version: ssl.version(),
        alpn: ssl.selectedAlpnProtocol(),
        serverAlpn: serverSsl!.selectedAlpnProtocol(),
        serverSide: [ssl.serverSide, serverSsl!.serverSide],
        serverHostname: serverSsl!.serverHostname,
        canWriteEof: writer.canWriteEof(),
        peername: writer.getExtraInfo("peername"),
        sslcontext: writer.getExtraInfo("sslcontext") === ssl.context,
      };
      assert.throws(() => writer.writeEof(), /cannot half-close/);
      await closeWriter(writer);
      return result;
    });
    assert.equal(result.line, "secret line\n");
    const peercert = result.peercert as {
      subject: [string, string][][];
      subjectAltName: [string, string][];
      issuer: [string, string][][];
      version: number;
    };
    // Python's keys, in its order; the test certificates are X.509 v3.
    assert.deepEqual(Object.keys(peercert), [
      "subject",
      "issuer",
      "version",
      "serialNumber",
      "notBefore",
      "notAfter",
      "subjectAltName",
    ]);
    assert.equal(peercert.version, 3);
    assert.deepEqual(peercert.subject, [[["commonName", "localhost"]]]);
    assert.deepEqual(peercert.issuer, [[["commonName", "aio test CA"]]]);
    assert.deepEqual(peercert.subjectAltName, [
      ["DNS", "localhost"],
      ["IP Address", "127.0.0.1"],
    ]);
    const [name, version, bits] = result.cipher as [string, string, number];
    assert.match(name, /^TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA/);
    assert.equal(version, "TLSv1.3");
    assert.equal(bits, name.includes("AES_128") ? 128 : 256);
    assert.equal(result.version, "TLSv1.3");
    assert.equal(result.alpn, "http/1.1");
    assert.equal(result.serverAlpn, "http/1.1");
    assert.deepEqual(result.serverSide, [false, true]);
    assert.equal(result.serverHostname, null); // an address is sent as no SNI
    assert.equal(result.canWriteEof, false);
    assert.equal((result.peername as [string, number])[0], HOST);
    assert.equal(result.sslcontext, true);
  });

  it("a client that closes right after a large write delivers every byte", async () => {
    const total = 1024 * 1024;
    const certs = testCerts();
    let received = 0;
    let peerClosed!: () => void;
    const closed = new Promise<void>((resolve) => peerClosed = resolve);
    const server = tls.createServer(
      { cert: certs.serverCert, key: certs.serverKey },
      (socket) => {
        socket.on("data", (data: Uint8Array) => received += data.length);
        socket.on("close", peerClosed);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      await run(async () => {
        const [, writer] = await openConnection(HOST, port, {
          ssl: clientContext(),
          serverHostname: "localhost",
        });
        const chunk = new Uint8Array(64 * 1024).fill(3);
        for (let n = 0; n < total; n += chunk.length) {
          writer.write(chunk);
          await writer.drain();
        }
        await closeWriter(writer);
      });
      await closed;
    } finally {
      server.close();
    }
    assert.equal(received, total);
  });

  it("a reader that fell behind gets every byte, then the end (not on Deno 2.9)", async () => {
    // The server reads nothing until the client has written and closed, so
    // its transport pauses (more than the limit buffered) and the
    // peer's end arrives while it is paused, 256 KiB behind: Deno 2.9's
    // node:tls sockets lose an end that comes while they are paused with
    // more than about 100 KiB unread, which README tells Deno users to
    // guard with a timeout.
    // This fails on the Deno that fixes it, and the README line goes then.
    const total = 256 * 1024;
    const [received, ending] = await run(async () => {
      const loop = getRunningLoop();
      const clientClosed = loop.createFuture<void>();
      const outcome = loop.createFuture<[number, string]>();
      await using server = await startServer(
        async (reader, writer) => {
          await clientClosed;
          await sleep(0.2);
          let received = 0;
          let ending = "end";
          try {
            for (;;) {
              // Only the end is waited for with a bound: it follows the last
              // byte at once, where the end is not lost.
              const read = reader.read(65536);
              const data = received < total
                ? await read
                : await waitFor(read, 2);
              if (data.length === 0) break;
              received += data.length;
            }
          } catch (error) {
            ending = (error as Error).name;
          }
          outcome.setResult([received, ending]);
          // With its end lost, a close would wait 30 s for the peer's.
          if (ending === "end") writer.close();
          else writer.transport.abort();
        },
        HOST,
        0,
        { ssl: serverContext() },
      );
      const [, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext(),
        serverHostname: "localhost",
      });
      writer.write(new Uint8Array(total).fill(5));
      await writer.drain();
      writer.close();
      clientClosed.setResult();
      const result = await outcome;
      await writer.waitClosed();
      return result;
    });
    assert.equal(received, total);
    const deno = "deno" in process.versions;
    assert.equal(ending, deno ? "TimeoutError" : "end");
  });

  it("a protocol that pauses reading at once gets every byte, then the end", async () => {
    // The client writes and closes right after its handshake, while the
    // server's protocol holds reading paused: the end must still come, on
    // Deno too, whose node:tls sockets lose an end that arrives while they
    // are paused before their first read.
    const total = 100 * 1024;
    const outcome = await run(async () => {
      const loop = getRunningLoop();
      const lost = loop.createFuture<string>();
      const sent = loop.createFuture<void>();
      class Late extends Protocol {
        received = 0;
        eof = false;
        override connectionMade(transport: Transport) {
          transport.pauseReading();
          // Resumed once the client has sent everything and its end.
          sent.then(() => transport.resumeReading());
        }
        override dataReceived(data: Uint8Array) {
          this.received += data.length;
        }
        override eofReceived() {
          this.eof = true;
          return false;
        }
        override connectionLost(error: Error | null) {
          lost.setResult(`${this.received} eof=${this.eof} error=${error}`);
        }
      }
      await using server = await loop.createServer(
        () => new Late(),
        HOST,
        0,
        { ssl: serverContext() },
      );
      const client = tls.connect({
        host: HOST,
        port: portOf(server),
        rejectUnauthorized: false,
      });
      client.on("error", () => {});
      client.on("secureConnect", () => {
        client.write(new Uint8Array(total));
        client.end(() => loop.callSoon(() => sent.setResult()));
      });
      try {
        return await waitFor(lost, 30).catch(() => "no end");
      } finally {
        client.destroy();
        // A connection whose end was lost would hold the server's close.
        server.abortClients();
      }
    });
    assert.equal(outcome, `${total} eof=true error=null`);
  });

  it("a connection closed while its reading is paused closes when the peer answers", async () => {
    // The server closes with the client's bytes piled up unread, its
    // reading paused: the peer's answer comes after them, so a socket left
    // paused would wait out the 30 s TLS shutdown timeout instead.
    const [serverClosed, clientRead] = await run(async () => {
      const closed = getRunningLoop().createFuture<string>();
      await using server = await startServer(
        async (_reader, writer) => {
          while (writer.transport.isReading()) await sleep(0.01);
          writer.close();
          closed.setResult(
            await waitFor(writer.waitClosed(), 10).then(
              () => "closed",
              (error: Error) => error.name,
            ),
          );
        },
        HOST,
        0,
        { ssl: serverContext() },
      );
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext(),
        serverHostname: "localhost",
      });
      writer.write(new Uint8Array(512 * 1024).fill(1));
      const read = await reader.read();
      await closeWriter(writer);
      return [await closed, read.length];
    });
    assert.equal(serverClosed, "closed");
    assert.equal(clientRead, 0);
  });

  it("ssl: true verifies against the system's CAs: a test CA is refused", async () => {
    const [error, served] = await run(async () => {
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
      const error = await openConnection(HOST, portOf(server), { ssl: true })
        .catch((e) => e);
      return [error, served];
    });
    assert.ok(error instanceof SSLCertVerificationError, String(error));
    assert.ok(error instanceof SSLError);
    assert.match(error.message, /^certificate verify failed: /);
    assert.equal(served, 0);
  });

  it("a certificate for another host name is refused", async () => {
    const error = await run(async () => {
      await using server = await startServer(echo, HOST, 0, {
        ssl: serverContext(),
      });
      return await openConnection(HOST, portOf(server), {
        ssl: clientContext(),
        serverHostname: "example.com",
      }).catch((e) => e);
    });
    assert.ok(error instanceof SSLCertVerificationError, String(error));
    assert.match(error.message, /example\.com/);
    assert.equal(error.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("a certificate from an unknown authority is refused; verify: false accepts it", async () => {
    const [refused, accepted] = await run(async () => {
      await using server = await startServer(echo, HOST, 0, {
        ssl: serverContext(),
      });
      const refused = await openConnection(HOST, portOf(server), {
        ssl: createSslContext({ ca: testCerts().otherCa }),
      }).catch((e) => e);
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: createSslContext({ verify: false }),
      });
      writer.write(bytes("anyway\n"));
      const accepted = text(await reader.readline());
      assert.equal(writer.getExtraInfo("peercert"), null);
      await closeWriter(writer);
      return [refused, accepted];
    });
    assert.ok(refused instanceof SSLCertVerificationError, String(refused));
    assert.equal(accepted, "anyway\n");
  });

  it("ssl to a plain server fails: the bytes are never sent in clear", async () => {
    const peer = await silentServer();
    try {
      const error = await run(() =>
        openConnection(HOST, peer.port, {
          ssl: clientContext(),
          sslHandshakeTimeout: 0.5,
        }).catch((e) => e)
      );
      assert.ok(error instanceof Error);
      const received = peer.received();
      // What the server saw is a TLS ClientHello record, not plain data.
      assert.equal(received[0], 0x16);
      assert.equal(received[1], 0x03);
    } finally {
      peer.stop();
    }
  });

  it("a handshake that stalls times out and closes its socket", async () => {
    const peer = await silentServer();
    try {
      const error = await run(() =>
        openConnection(HOST, peer.port, {
          ssl: clientContext(),
          sslHandshakeTimeout: 0.2,
        }).catch((e) => e)
      );
      assert.equal(error.code, "ECONNABORTED");
      assert.match(error.message, /TLS handshake is taking longer than 0\.2/);
      await peer.closed;
    } finally {
      peer.stop();
    }
  });

  it("a client that stalls in the server's handshake is dropped after the timeout", async () => {
    const [closedBy, served] = await run(async () => {
      let served = 0;
      const server = await startServer(
        (_reader, writer) => {
          served++;
          writer.close();
        },
        HOST,
        0,
        { ssl: serverContext(), sslHandshakeTimeout: 0.2 },
      );
      // A client that connects and never says hello.
      const socket = net.connect(portOf(server), HOST);
      socket.on("error", () => {});
      const closed = getRunningLoop().createFuture<string>();
      socket.on("close", () => closed.setResult("server"));
      const closedBy = await closed;
      server.close();
      await server.waitClosed();
      return [closedBy, served];
    });
    assert.equal(closedBy, "server");
    assert.equal(served, 0);
  });

  it("cancelling a connection in its handshake closes the socket", async () => {
    const peer = await silentServer();
    try {
      const outcome = await run(async () => {
        const connecting = createTask(() =>
          openConnection(HOST, peer.port, { ssl: clientContext() })
        );
        while (peer.received().length === 0) await sleep(0.005);
        connecting.cancel();
        return await connecting.then(() => "connected", (e) => e);
      });
      assert.ok(outcome instanceof CancelledError);
      await peer.closed;
    } finally {
      peer.stop();
    }
  });

  it("a server can require a client certificate", async () => {
    const [refused, peer] = await run(async () => {
      const certs = testCerts();
      await using server = await startServer(
        async (reader, writer) => {
          const cert = writer.getExtraInfo("peercert") as {
            subject: [string, string][][];
          };
          await reader.readline();
          writer.write(bytes(`${cert.subject[0][0][1]}\n`));
          writer.close();
        },
        HOST,
        0,
        { ssl: serverContext({ ca: certs.ca, verify: true }) },
      );
      const refused = await (async () => {
        const [reader, writer] = await openConnection(HOST, portOf(server), {
          ssl: clientContext(),
        });
        // TLS 1.3: the server's refusal arrives after the handshake.
        writer.write(bytes("hello\n"));
        return await reader.readline().then(text, (e) => e);
      })();
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext({ cert: certs.clientCert, key: certs.clientKey }),
      });
      writer.write(bytes("hello\n"));
      const peer = text(await reader.readline());
      await closeWriter(writer);
      return [refused, peer];
    });
    assert.ok(
      refused === "" || refused instanceof Error,
      `a client without a certificate was served: ${refused}`,
    );
    assert.equal(peer, "aio test client\n");
  });

  it("keeps the session's details once the connection has ended, as Python's SSL object does", async () => {
    const [during, after] = await run(async () => {
      await using server = await startServer(
        (_reader, writer) => writer.close(),
        HOST,
        0,
        { ssl: serverContext() },
      );
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext(),
        serverHostname: "localhost",
      });
      const details = () => [
        writer.getExtraInfo("peercert"),
        writer.getExtraInfo("cipher"),
        (writer.getExtraInfo("sslObject") as SSLObject).version(),
      ];
      const during = details();
      assert.equal((await reader.read(10)).length, 0);
      writer.close();
      await writer.waitClosed();
      return [during, details()];
    });
    assert.deepEqual(after, during);
    const [peercert, cipher, version] = after;
    assert.ok(
      JSON.stringify(peercert).includes("localhost"),
      "the peer's certificate names the server",
    );
    assert.equal((cipher as [string, string, number])[1], "TLSv1.3");
    assert.equal(version, "TLSv1.3");
  });

  it("minVersion is honoured: TLS 1.3 only against a TLS 1.2 server fails", async () => {
    const [error, version, cipher] = await run(async () => {
      await using server = await startServer(echo, HOST, 0, {
        ssl: serverContext({ maxVersion: "TLSv1.2" }),
      });
      const error = await openConnection(HOST, portOf(server), {
        ssl: clientContext({ minVersion: "TLSv1.3" }),
      }).catch((e) => e);
      const [, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext(),
      });
      const version = (writer.getExtraInfo("sslObject") as SSLObject)
        .version();
      const cipher = writer.getExtraInfo("cipher");
      await closeWriter(writer);
      return [error, version, cipher];
    });
    assert.ok(error instanceof SSLError, String(error));
    assert.equal(version, "TLSv1.2");
    // OpenSSL's name, as Python's cipher() gives it, and the bits of its
    // cipher, not of its hash: ECDHE-RSA-AES128-GCM-SHA256 is 128.
    const [name, cipherVersion, bits] = cipher as [string, string, number];
    assert.match(name, /^ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20)/);
    assert.equal(cipherVersion, "TLSv1.2");
    assert.equal(bits, name.includes("AES128") ? 128 : 256);
  });

  it("STARTTLS: a plain connection is upgraded in place on both sides", async () => {
    const [lines, before, after] = await run(async () => {
      await using server = await startServer(
        async (reader, writer) => {
          assert.equal(text(await reader.readline()), "STARTTLS\n");
          writer.write(bytes("GO AHEAD\n"));
          await writer.startTls(serverContext());
          await echo(reader, writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      writer.write(bytes("STARTTLS\n"));
      const lines = [text(await reader.readline())];
      const before = writer.getExtraInfo("sslObject");
      await writer.startTls(clientContext(), { serverHostname: "localhost" });
      const after = (writer.getExtraInfo("sslObject") as SSLObject).version();
      writer.write(bytes("now secret\n"));
      lines.push(text(await reader.readline()));
      await closeWriter(writer);
      return [lines, before, after];
    });
    assert.deepEqual(lines, ["GO AHEAD\n", "now secret\n"]);
    assert.equal(before, null);
    assert.equal(after, "TLSv1.3");
  });

  it("STARTTLS that fails verification closes the connection with its error, on both sides", async () => {
    // CPython 3.13: start_tls raises, and then the stream's reads and
    // wait_closed() raise the same error; here they waited for good.
    const [error, read, closed, serverSaw] = await run(async () => {
      const serverSaw = getRunningLoop().createFuture<unknown[]>();
      await using server = await startServer(
        async (reader, writer) => {
          await reader.readline();
          writer.write(bytes("GO AHEAD\n"));
          const failed = await writer.startTls(serverContext()).catch((e) => e);
          serverSaw.setResult([
            failed,
            await waitFor(reader.read(10), 10).catch((e) => e),
            await waitFor(writer.waitClosed(), 10).catch((e) => e),
          ]);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      writer.write(bytes("STARTTLS\n"));
      await reader.readline();
      const error = await writer.startTls(clientContext(), {
        serverHostname: "example.com",
      }).catch((e) => e);
      assert.equal(writer.isClosing(), true);
      const read = await waitFor(reader.read(10), 10).catch((e) => e);
      const closed = await waitFor(writer.waitClosed(), 10).catch((e) => e);
      return [error, read, closed, await serverSaw];
    });
    assert.ok(error instanceof SSLCertVerificationError, String(error));
    assert.equal(read, error);
    assert.equal(closed, error);
    const [serverError, serverRead, serverClosed] = serverSaw;
    // The client gave up: the server's handshake saw it go.
    assert.ok(serverError instanceof Error, String(serverError));
    assert.equal(serverRead, serverError);
    assert.equal(serverClosed, serverError);
  });

  it("loop.startTls upgrades a protocol's transport", async () => {
    const reply = await run(async () => {
      const loop = getRunningLoop();
      class Upgrading extends Protocol {
        transport: Transport | null = null;
        override connectionMade(transport: Transport) {
          this.transport = transport;
        }
        override dataReceived(data: Uint8Array) {
          if (text(data) !== "UPGRADE") {
            this.transport!.write(bytes(`tls:${text(data)}`));
            return;
          }
          const plain = this.transport!;
          plain.write(bytes("OK"));
          loop.startTls(plain, this, serverContext(), { serverSide: true })
            .then((secured) => this.transport = secured);
        }
      }
      const received = loop.createFuture<string>();
      class Client extends Protocol {
        override dataReceived(data: Uint8Array) {
          received.setResult(text(data));
        }
      }
      await using server = await loop.createServer(
        () => new Upgrading(),
        HOST,
        0,
      );
      const client = new Client();
      const [plain] = await loop.createConnection(
        () => client,
        HOST,
        portOf(server),
      );
      plain.write(bytes("UPGRADE"));
      assert.equal(await received, "OK");
      const secured = await loop.startTls(plain, client, clientContext(), {
        serverHostname: "localhost",
      });
      const echoed = loop.createFuture<string>();
      secured.setProtocol({
        dataReceived: (data: Uint8Array) => echoed.setResult(text(data)),
      });
      secured.write(bytes("hi"));
      const reply = await echoed;
      secured.close();
      return reply;
    });
    assert.equal(reply, "tls:hi");
  });

  it("loop.createServer and loop.createConnection speak TLS to protocols", async () => {
    const [received, canWriteEof, peercert] = await run(async () => {
      const loop = getRunningLoop();
      class Echo extends Protocol {
        transport: Transport | null = null;
        override connectionMade(transport: Transport) {
          this.transport = transport;
        }
        override dataReceived(data: Uint8Array) {
          this.transport!.write(data);
        }
      }
      const echoed = loop.createFuture<string>();
      class Client extends Protocol {
        override dataReceived(data: Uint8Array) {
          echoed.setResult(text(data));
        }
      }
      await using server = await loop.createServer(
        () => new Echo(),
        HOST,
        0,
        { ssl: serverContext() },
      );
      const [transport] = await loop.createConnection(
        () => new Client(),
        HOST,
        portOf(server),
        { ssl: clientContext(), serverHostname: "localhost" },
      );
      transport.write(bytes("protocol over tls"));
      const received = await echoed;
      const peercert = transport.getExtraInfo("peercert") as {
        subject: [string, string][][];
      };
      const canWriteEof = transport.canWriteEof();
      transport.close();
      return [received, canWriteEof, peercert.subject];
    });
    assert.equal(received, "protocol over tls");
    assert.equal(canWriteEof, false);
    assert.deepEqual(peercert, [[["commonName", "localhost"]]]);
  });

  it("TLS over a Unix socket", async () => {
    const dir = tempDir("aio-tls-");
    const socketPath = path.join(dir, "tls.sock");
    const line = await run(async () => {
      await using _server = await startUnixServer(echo, socketPath, {
        ssl: serverContext(),
      });
      const [reader, writer] = await openUnixConnection(socketPath, {
        ssl: clientContext(),
        serverHostname: "localhost",
      });
      writer.write(bytes("unix and tls\n"));
      const line = text(await reader.readline());
      await closeWriter(writer);
      return line;
    });
    assert.equal(line, "unix and tls\n");
  });

  it("a failed handshake does not stop a server", async () => {
    const line = await run(async () => {
      await using server = await startServer(echo, HOST, 0, {
        ssl: serverContext(),
      });
      // A client that speaks plain TCP to the TLS server.
      const [plainReader, plainWriter] = await openConnection(
        HOST,
        portOf(server),
      );
      plainWriter.write(bytes("GET / HTTP/1.0\r\n\r\n"));
      await plainReader.read().catch(() => {});
      plainWriter.close();
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientContext(),
      });
      writer.write(bytes("still serving\n"));
      const line = text(await reader.readline());
      await closeWriter(writer);
      return line;
    });
    assert.equal(line, "still serving\n");
  });

  it("contexts and TLS options are checked", async () => {
    assert.throws(() => createSslContext({ cert: "nonsense" }), TypeError);
    assert.throws(
      () => createSslContext({ minVersion: "TLSv1.0" as never }),
      RangeError,
    );
    assert.throws(
      () => createSslContext({ alpnProtocols: "h2" as never }),
      TypeError,
    );
    assert.throws(() => createSslContext({ nope: 1 } as never), /"nope"/);
    await run(async () => {
      await assert.rejects(
        openConnection(HOST, 1, { ssl: true, sslHandshakeTimeout: 0 }),
        RangeError,
      );
      await assert.rejects(
        startServer(echo, HOST, 0, { ssl: clientContext() }),
        /needs cert and key/,
      );
    });
  });
});
