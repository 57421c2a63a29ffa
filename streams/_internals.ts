/**
 * The package-private entry points of the streams, kept out of the public
 * API: the classes that own the state fill them in their `static {}`
 * blocks, and no `mod.ts` re-exports this module.
 *
 * @module
 */
import type { Transport } from "../loop/transports.ts";
import type { ReaderTransport, StreamReader } from "./stream_reader.ts";
import type { StreamReaderProtocol } from "./stream_reader_protocol.ts";
import type { StreamWriter } from "./stream_writer.ts";

/** Filled by `StreamReader` and `StreamWriter`. */
export const internals: {
  /** Binds a reader to the transport that feeds it. */
  setReaderTransport(reader: StreamReader, transport: ReaderTransport): void;
  /**
   * Feeds `reader` a chunk its transport received: taken as it is, without
   * a copy, if `owned` (no one else can see it), else copied.
   */
  feed(reader: StreamReader, chunk: Uint8Array, owned: boolean): void;
  /** Makes a writer over `transport` (its constructor is private). */
  newStreamWriter(
    transport: Transport,
    reader: StreamReader | null,
    protocol?: StreamReaderProtocol,
  ): StreamWriter;
} = {} as typeof internals;
