/**
 * The process's standard streams as asyncio streams, as a CLI needs them:
 * a `StreamReader` over stdin and `StreamWriter`s over stdout and stderr.
 *
 * @module
 */
import process from "node:process";
import type { Duplex } from "node:stream";
import { wrapStream } from "../internal/stream_host.ts";
import { checkOptions } from "../internal/validate.ts";
import { internals } from "../loop/_transport_internals.ts";
import { internals as streamInternals } from "./_internals.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { DEFAULT_LIMIT, StreamReader } from "./stream_reader.ts";
import { StreamReaderProtocol } from "./stream_reader_protocol.ts";
import type { StreamWriter } from "./stream_writer.ts";
// Evaluated for its static block, which fills `streamInternals.newStreamWriter`.
import "./stream_writer.ts";
import { StreamTransport } from "./transport.ts";

/** Options of `openStdin()`. */
export interface OpenStdinOptions {
  /** The reader's buffer limit in bytes; 64 KiB by default. */
  limit?: number;
}

/**
 * A `StreamReader` over the process's stdin, made as Python's recipe
 * makes one: `loop.connectReadPipe(() => new StreamReaderProtocol(reader),
 * stdin)`. It buffers at most `limit` bytes: past that, stdin is not read
 * until the program reads. While it reads, stdin is work the loop waits
 * on; once the loop closes, stdin no longer keeps the process alive.
 * Open it once per process.
 *
 * @example Upper-casing stdin, line by line
 * ```ts ignore
 * import { openStdin, openStdout } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 *
 * await run(async () => {
 *   const reader = await openStdin();
 *   const writer = await openStdout();
 *   for await (const line of reader) {
 *     writer.write(new TextEncoder().encode(new TextDecoder().decode(line).toUpperCase()));
 *     await writer.drain();
 *   }
 * });
 * ```
 */
export async function openStdin(
  options?: OpenStdinOptions,
): Promise<StreamReader> {
  const { limit = DEFAULT_LIMIT } = checkOptions<OpenStdinOptions>(
    options,
    "openStdin()",
    ["limit"],
  );
  const loop = getRunningLoop();
  const reader = new StreamReader(limit);
  const protocol = new StreamReaderProtocol(reader, loop);
  await loop.connectReadPipe(() => protocol, process.stdin);
  return reader;
}

/**
 * A `StreamWriter` over the process's stdout, as Python's
 * `loop.connect_write_pipe(...)` with a `StreamWriter` gives one:
 * `drain()` waits while the reader of stdout is behind, so a program
 * writing much to a slow pipe does not buffer without bound.
 *
 * @example Writing to stdout
 * ```ts
 * import { openStdout } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const writer = await openStdout();
 *   writer.write(new TextEncoder().encode("hello\n"));
 *   await writer.drain();
 *   assert.equal(writer.isClosing(), false);
 * });
 * ```
 */
export async function openStdout(): Promise<StreamWriter> {
  return writerOver(process.stdout as unknown as Duplex);
}

/**
 * A `StreamWriter` over the process's stderr; as `openStdout()`.
 *
 * @example Writing to stderr
 * ```ts
 * import { openStderr } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const writer = await openStderr();
 *   writer.write(new TextEncoder().encode("a warning\n"));
 *   await writer.drain();
 *   assert.equal(writer.isClosing(), false);
 * });
 * ```
 */
export async function openStderr(): Promise<StreamWriter> {
  return writerOver(process.stderr as unknown as Duplex);
}

function writerOver(stream: Duplex): StreamWriter {
  const transport = new StreamTransport(getRunningLoop(), {
    extra: { pipe: () => stream },
  });
  transport.attach(wrapStream(stream, internals.streamEvents(transport)));
  return streamInternals.newStreamWriter(transport, null);
}
