/**
 * The transport of a subprocess pipe: the loop's one stream transport,
 * with the stream protocol that feeds a `StreamReader` (or only paces a
 * `StreamWriter`).
 *
 * @module
 */
import { internals } from "../loop/_transport_internals.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { StreamTransport as LoopStreamTransport } from "../loop/socket_transport.ts";
import type { ReaderTransport, StreamReader } from "./stream_reader.ts";
import {
  type StreamLoop,
  StreamReaderProtocol,
} from "./stream_reader_protocol.ts";

export type { Transport } from "../loop/transports.ts";

/** Options of a pipe's transport. */
export interface TransportOptions {
  /** The reader fed with the bytes that arrive, if any. */
  reader?: StreamReader | null;
  /** Values for `getExtraInfo`, computed when asked for. */
  extra?: Record<string, () => unknown>;
  /** A subprocess's pipe, whose loss asyncio reports a callback later. */
  relayed?: boolean;
}

/**
 * A transport over one host pipe, with its stream protocol; `attach()`
 * gives it the pipe. It is what a subprocess's pipe reports to and what
 * its reader holds while it waits; no mod.ts exports it.
 */
export class StreamTransport extends LoopStreamTransport
  implements ReaderTransport {
  /** Creates the transport on `loop`. */
  constructor(loop: AbstractEventLoop, options: TransportOptions = {}) {
    super(
      loop,
      new StreamReaderProtocol(options.reader ?? null, loop as StreamLoop),
      { extra: options.extra, pipe: true, relayed: options.relayed },
    );
  }

  /** Keeps the process alive while a task waits on the pipe. */
  hold(): () => void {
    return internals.hold(this);
  }
}
