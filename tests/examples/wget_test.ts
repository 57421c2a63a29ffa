/**
 * The wget example against a web server nobody here wrote: Python's
 * `http.server` wrapped in TLS on 127.0.0.1, with a certificate the test
 * makes with the `openssl` command.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { example, runScript } from "../fixtures/runtime.ts";
import { testCerts } from "../streams/fixtures/certs.ts";
import { tempDir } from "../fixtures/temp_dir.ts";

/** Serves the folder given first over HTTPS; prints its port. */
const PY_HTTPS_SERVER = `
import functools, http.server, ssl, sys
folder, cert, key = sys.argv[1:4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
`;

/** Starts the server on `folder`; resolves to its port and a stop. */
function httpsServer(folder: string): Promise<[number, () => void]> {
  const certs = testCerts();
  const child = spawn("python3", [
    "-c",
    PY_HTTPS_SERVER,
    folder,
    certs.serverCertFile,
    certs.serverKeyFile,
  ]);
  let output = "";
  return new Promise((resolve, reject) => {
    child.on(
      "error",
      (error) => reject(new Error(`The test needs python3: ${error.message}`)),
    );
    child.on("close", () => reject(new Error(`python3 ended: ${output}`)));
    child.stderr.on("data", (chunk) => output += chunk);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const port = /PORT (\d+)/.exec(output)?.[1];
      if (port !== undefined) resolve([Number(port), () => child.kill()]);
    });
  });
}

/** A body that shows any lost, doubled or reordered byte. */
function pattern(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 8)) % 256;
  return data;
}

const sha256 = (data: Uint8Array) =>
  createHash("sha256").update(data).digest("hex");

describe("wget example over HTTPS", () => {
  it("fetches two files at once from Python's http.server, byte for byte", async () => {
    const folder = tempDir("aio-wget-");
    const big = pattern(300_000);
    const small = new TextEncoder().encode("hello over TLS\n");
    fs.writeFileSync(path.join(folder, "big.bin"), big);
    fs.writeFileSync(path.join(folder, "small.txt"), small);
    const [port, stop] = await httpsServer(folder);
    try {
      const output = await runScript(example("wget"), [
        `https://127.0.0.1:${port}/big.bin`,
        `https://127.0.0.1:${port}/small.txt`,
        `--ca-certificate=${testCerts().caFile}`,
      ]);
      const lines = output.trimEnd().split("\n");
      const header = (name: string) =>
        lines.filter((line) => line.startsWith(`127.0.0.1 header > ${name}`));
      assert.deepEqual(lines.slice(0, 2), Array(2).fill("wget 127.0.0.1..."));
      assert.deepEqual(header("HTTP/"), Array(2).fill(header("HTTP/")[0]));
      assert.match(header("HTTP/")[0], / 200 OK$/);
      assert.deepEqual(
        header("Content-Length").sort(),
        [
          `127.0.0.1 header > Content-Length: ${big.length}`,
          `127.0.0.1 header > Content-Length: ${small.length}`,
        ].sort(),
      );
      assert.match(header("Server")[0], /Python/);
      assert.deepEqual(
        lines.filter((line) => line.includes(" body: ")).sort(),
        [
          `127.0.0.1 body: ${big.length} bytes, sha256 ${sha256(big)}`,
          `127.0.0.1 body: ${small.length} bytes, sha256 ${sha256(small)}`,
        ].sort(),
      );
    } finally {
      stop();
    }
  });

  it("refuses the server without its authority", async () => {
    const folder = tempDir("aio-wget-");
    fs.writeFileSync(path.join(folder, "small.txt"), "secret\n");
    const [port, stop] = await httpsServer(folder);
    try {
      await assert.rejects(
        runScript(example("wget"), [`https://127.0.0.1:${port}/small.txt`]),
        (error: Error) => {
          assert.match(error.message, /SSLCertVerificationError/);
          assert.doesNotMatch(error.message, /body:/);
          return true;
        },
      );
    } finally {
      stop();
    }
  });
});
