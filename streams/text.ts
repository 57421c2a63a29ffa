/**
 * Text over byte streams: the options of `StreamReader.lines()` and the
 * decoding and line-end rules it shares with `StreamWriter.writeText()`.
 *
 * @module
 */
import { checkOptions, describe } from "../internal/validate.ts";

/** Options of `StreamReader.lines()`. */
export interface LinesOptions {
  /**
   * The stream's text encoding, a `TextDecoder` label such as `"utf-8"`
   * (the default), `"latin1"` or `"shift_jis"`. Lines are split at the byte
   * `\n`, so UTF-16 is refused: read its bytes and decode them yourself.
   */
  encoding?: string;
  /** Keep each line's `"\n"` or `"\r\n"` (default `false`: drop it). */
  keepEnds?: boolean;
  /**
   * Throw a `TypeError` on bytes that are not valid in the encoding
   * (default `false`: each becomes U+FFFD, as `TextDecoder` does).
   */
  fatal?: boolean;
}

/** How `lines()` turns each line of bytes into a string. */
export interface LineDecoder {
  /** The text of one line; `last` for a final line without `\n`. */
  decode(line: Uint8Array, last: boolean): string;
}

const encoder = new TextEncoder();

/** Encodes `text` as UTF-8 bytes for `writeText()`. */
export function encodeText(text: unknown, caller: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(
      `${caller} takes a string, got ${describe(text)}` +
        (text instanceof Uint8Array ? ": write bytes with write()" : ""),
    );
  }
  return encoder.encode(text);
}

/** Checks the options of `lines()` and makes its decoder, at the call. */
export function lineDecoder(options: unknown): LineDecoder {
  const { encoding = "utf-8", keepEnds = false, fatal = false } = checkOptions<
    LinesOptions
  >(options, "lines()", ["encoding", "keepEnds", "fatal"]);
  if (typeof encoding !== "string") {
    throw new TypeError(
      `lines() takes an encoding label, got ${describe(encoding)}`,
    );
  }
  checkBoolean(keepEnds, "keepEnds");
  checkBoolean(fatal, "fatal");
  const decoder = makeDecoder(encoding, fatal);
  return {
    decode(line, last) {
      // One decoder for the whole stream, so a byte-order mark is dropped
      // only at its start; a line ending in `\n` holds whole characters.
      const text = decoder.decode(line, { stream: !last });
      return keepEnds ? text : stripLineEnd(text);
    },
  };
}

function makeDecoder(encoding: string, fatal: boolean) {
  const decoder = (() => {
    try {
      return new TextDecoder(encoding, { fatal });
    } catch (error) {
      throw new RangeError(
        `lines() does not know the encoding ${JSON.stringify(encoding)}`,
        { cause: error },
      );
    }
  })();
  if (decoder.encoding.startsWith("utf-16")) {
    throw new RangeError(
      `lines() splits at the byte \\n, which ${decoder.encoding} does not ` +
        "use: read the bytes and decode them with TextDecoder",
    );
  }
  return decoder;
}

function checkBoolean(value: unknown, name: string): void {
  if (typeof value !== "boolean") {
    throw new TypeError(
      `lines() option ${name} must be a boolean, got ${describe(value)}`,
    );
  }
}

/** Drops a final `"\r\n"` or `"\n"`; a lone `"\r"` does not end a line. */
function stripLineEnd(text: string): string {
  if (!text.endsWith("\n")) return text;
  return text.slice(0, text.endsWith("\r\n") ? -2 : -1);
}
