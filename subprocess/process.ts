/**
 * `Process`: a running child process with streams for its pipes.
 *
 * @module
 */
import { errorCode, RuntimeError } from "../internal/errors.ts";
import { checkSignalToSend, type HostChild } from "../internal/process_host.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import type { Future } from "../tasks/future.ts";
import { gather } from "../tasks/gather.ts";
import { checkBytes } from "../streams/checks.ts";
import { waitOnHost } from "../streams/host_wait.ts";
import { StreamReader } from "../streams/stream_reader.ts";
import type { StreamWriter } from "../streams/stream_writer.ts";
import { StreamTransport } from "../streams/transport.ts";
import { internals as transportInternals } from "../loop/_transport_internals.ts";
import { internals as streamInternals } from "../streams/_internals.ts";
// Evaluated for its static block, which fills `streamInternals.newStreamWriter`.
import "../streams/stream_writer.ts";
import { internals } from "./_internals.ts";

/**
 * A child process started by `createSubprocessExec()` or
 * `createSubprocessShell()`: asyncio's `Process`. `stdin` is a
 * `StreamWriter` and `stdout`/`stderr` are `StreamReader`s where they were
 * asked for with `PIPE`, else `null`.
 *
 * A running child keeps the program alive only while a task waits on it
 * (`wait()`, `communicate()`, a read of its output); one left running when
 * the program ends is not killed.
 *
 * @example Talking to a child over its pipes
 * ```ts
 * import { createSubprocessExec, PIPE } from "@aio/asyncio/subprocess";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [line, code] = await run(async () => {
 *   const child = await createSubprocessExec("cat", { stdin: PIPE, stdout: PIPE });
 *   child.stdin!.write(new TextEncoder().encode("echo\n"));
 *   const line = await child.stdout!.readline();
 *   child.stdin!.close();
 *   return [new TextDecoder().decode(line), await child.wait()];
 * });
 * assert.equal(line, "echo\n");
 * assert.equal(code, 0);
 * ```
 */
export class Process {
  /** The writer to the child's stdin, or `null` unless it is `PIPE`. */
  readonly stdin: StreamWriter | null;
  /** The reader of the child's stdout, or `null` unless it is `PIPE`. */
  readonly stdout: StreamReader | null;
  /** The reader of the child's stderr, or `null` unless it is `PIPE`. */
  readonly stderr: StreamReader | null;
  readonly #loop: EventLoop;
  readonly #child: HostChild;
  #returncode: number | null = null;
  readonly #exitWaiters = new Set<Future<number>>();

  private constructor(loop: EventLoop, child: HostChild, limit: number) {
    this.#loop = loop;
    this.#child = child;
    this.stdin = writerOf(loop, child);
    this.stdout = readerOf(loop, child, 1, limit);
    this.stderr = readerOf(loop, child, 2, limit);
  }

  static {
    internals.newProcess = (loop, child, limit) =>
      new Process(loop, child, limit);
    internals.processExited = (process, returncode) =>
      process.#exited(returncode);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * The exit status once the child has exited, else `null`; minus the
   * signal number when a signal ended it (`-9` after `kill()`).
   */
  get returncode(): number | null {
    return this.#returncode;
  }

  /**
   * Waits for the child to exit and returns its `returncode`. A child
   * that fills a `PIPE` nobody reads blocks: use `communicate()` then.
   */
  async wait(): Promise<number> {
    if (this.#returncode !== null) return this.#returncode;
    const waiter = this.#loop.createFuture<number>();
    this.#exitWaiters.add(waiter);
    try {
      return await waitOnHost(waiter, this.#child);
    } finally {
      this.#exitWaiters.delete(waiter);
    }
  }

  /**
   * Sends `input` (if given) to stdin and closes it, reads stdout and
   * stderr to their end, waits for the child to exit, and returns
   * `[stdout, stderr]` (`null` for a stream that is not a `PIPE`). All
   * three run at once, so a child with large output never deadlocks. A
   * child that exits without reading all its input is not an error.
   */
  async communicate(
    input: Uint8Array | null = null,
  ): Promise<[stdout: Uint8Array | null, stderr: Uint8Array | null]> {
    if (input !== null) {
      checkBytes(input, "communicate()");
      if (this.stdin === null) {
        throw new RuntimeError(
          "communicate() got input but the child's stdin is not a pipe: " +
            "start it with { stdin: PIPE }",
        );
      }
    }
    const { stdin, stdout, stderr } = this;
    const none = () => Promise.resolve(null);
    const [, out, err] = await gather(
      stdin === null ? none : () => feed(stdin, input),
      stdout === null ? none : () => stdout.read(),
      stderr === null ? none : () => stderr.read(),
    );
    await this.wait();
    return [out, err];
  }

  /** Sends `signal` (a name such as `"SIGINT"`, or a number) to the child. */
  sendSignal(signal: string | number): void {
    this.#child.signal(checkSignalToSend(signal));
  }

  /** Asks the child to stop: `SIGTERM`. */
  terminate(): void {
    this.#child.signal("SIGTERM");
  }

  /** Stops the child at once: `SIGKILL`. */
  kill(): void {
    this.#child.signal("SIGKILL");
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    return `<Process ${this.pid}>`;
  }

  #exited(returncode: number): void {
    this.#returncode = returncode;
    if (this.#loop.isClosed()) return;
    for (const waiter of this.#exitWaiters) {
      if (!waiter.done()) waiter.setResult(returncode);
    }
    this.#exitWaiters.clear();
  }
}

function writerOf(loop: EventLoop, child: HostChild): StreamWriter | null {
  const transport = new StreamTransport(loop, { relayed: true });
  const host = child.pipe(0, transportInternals.streamEvents(transport));
  if (host === null) return null;
  transport.attach(host);
  return streamInternals.newStreamWriter(transport, null);
}

function readerOf(
  loop: EventLoop,
  child: HostChild,
  fd: 1 | 2,
  limit: number,
): StreamReader | null {
  const reader = new StreamReader(limit);
  const transport = new StreamTransport(loop, { reader, relayed: true });
  const host = child.pipe(fd, transportInternals.streamEvents(transport));
  if (host === null) return null;
  transport.attach(host);
  streamInternals.setReaderTransport(reader, transport);
  return reader;
}

/** Writes `input` to stdin and closes it; a child gone early is fine. */
async function feed(stdin: StreamWriter, input: Uint8Array | null) {
  try {
    if (input !== null) stdin.write(input);
    await stdin.drain();
  } catch (error) {
    const code = errorCode(error);
    if (code !== "EPIPE" && code !== "ECONNRESET") throw error;
  }
  stdin.close();
}
