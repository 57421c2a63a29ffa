import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  IncompleteReadError,
  LimitOverrunError,
  StreamReader,
} from "../../streams/mod.ts";
import {
  CancelledError,
  createTask,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";

function readerWith(
  data: string,
  options: { eof?: boolean; limit?: number } = {},
) {
  const reader = new StreamReader(options.limit);
  if (data !== "") reader.feedData(bytes(data));
  if (options.eof ?? true) reader.feedEof();
  return reader;
}

describe("StreamReader reads", () => {
  it("read(n) returns what is there, at most n, and empty at EOF", async () => {
    const parts = await run(async () => {
      const reader = readerWith("hello world");
      return [
        text(await reader.read(5)),
        text(await reader.read(100)),
        (await reader.read(10)).length,
        (await reader.read()).length,
      ];
    });
    assert.deepEqual(parts, ["hello", " world", 0, 0]);
  });

  it("read() reads until EOF across many chunks", async () => {
    const all = await run(async () => {
      const reader = new StreamReader(4);
      const reading = createTask(() => reader.read());
      for (const part of ["ab", "cdef", "ghijkl", "m"]) {
        await sleep(0);
        reader.feedData(bytes(part));
      }
      reader.feedEof();
      return text(await reading);
    });
    assert.equal(all, "abcdefghijklm");
  });

  it("read(0) returns at once, even with nothing buffered", async () => {
    const data = await run(() => new StreamReader().read(0));
    assert.deepEqual(data, new Uint8Array(0));
  });

  it("returns plain Uint8Array copies", async () => {
    const [first, second] = await run(async () => {
      const reader = new StreamReader();
      const chunk = bytes("abcd");
      reader.feedData(chunk);
      chunk.fill(0);
      return [await reader.read(2), await reader.read(2)];
    });
    assert.deepEqual(first, bytes("ab"));
    assert.deepEqual(second, bytes("cd"));
    assert.equal(Object.getPrototypeOf(first), Uint8Array.prototype);
  });

  it("a read waits for data fed later", async () => {
    const order = await run(async () => {
      const reader = new StreamReader();
      const order: string[] = [];
      const reading = createTask(async () => {
        order.push(text(await reader.read(10)));
      });
      await sleep(0);
      order.push("feeding");
      reader.feedData(bytes("late"));
      await reading;
      return order;
    });
    assert.deepEqual(order, ["feeding", "late"]);
  });

  it("readexactly(n) waits for n bytes and throws IncompleteReadError at EOF", async () => {
    const [exact, error] = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.readexactly(6));
      reader.feedData(bytes("abc"));
      await sleep(0);
      reader.feedData(bytes("defgh"));
      const exact = text(await reading);
      reader.feedEof();
      const error = await reader.readexactly(5).catch((e) => e);
      return [exact, error];
    });
    assert.equal(exact, "abcdef");
    assert.ok(error instanceof IncompleteReadError);
    assert.deepEqual(error.partial, bytes("gh"));
    assert.equal(error.expected, 5);
    assert.equal(error.message, "2 bytes read on a total of 5 expected bytes");
  });

  it("readexactly(n) beyond the limit still completes", async () => {
    const length = await run(async () => {
      const reader = readerWith("x".repeat(100), { limit: 8 });
      return (await reader.readexactly(100)).length;
    });
    assert.equal(length, 100);
  });

  it("readline() returns lines, the last partial one, then empty", async () => {
    const lines = await run(async () => {
      const reader = readerWith("one\ntwo\nthree");
      const lines: string[] = [];
      for (let i = 0; i < 4; i++) lines.push(text(await reader.readline()));
      return lines;
    });
    assert.deepEqual(lines, ["one\n", "two\n", "three", ""]);
  });

  it("iterates over lines with for await", async () => {
    const lines = await run(async () => {
      const lines: string[] = [];
      for await (const line of readerWith("a\nb\nc")) lines.push(text(line));
      return lines;
    });
    assert.deepEqual(lines, ["a\n", "b\n", "c"]);
  });

  it("atEof() is true only once EOF is fed and the buffer is empty", async () => {
    const states = await run(async () => {
      const reader = new StreamReader();
      const states = [reader.atEof()];
      reader.feedData(bytes("x"));
      reader.feedEof();
      states.push(reader.atEof());
      await reader.read(1);
      states.push(reader.atEof());
      return states;
    });
    assert.deepEqual(states, [false, false, true]);
  });
});

describe("StreamReader.readuntil", () => {
  it("reads through the separator, also one split across chunks", async () => {
    const [first, second] = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes("head\r\n\r"));
      const reading = createTask(() => reader.readuntil(bytes("\r\n\r\n")));
      await sleep(0);
      reader.feedData(bytes("\nbody"));
      const first = text(await reading);
      reader.feedEof();
      return [first, text(await reader.read())];
    });
    assert.equal(first, "head\r\n\r\n");
    assert.equal(second, "body");
  });

  it("takes several separators and stops at the first match", async () => {
    const parts = await run(async () => {
      const reader = readerWith("a;b,c");
      const separators = [bytes(","), bytes(";")];
      return [
        text(await reader.readuntil(separators)),
        text(await reader.readuntil(separators)),
      ];
    });
    assert.deepEqual(parts, ["a;", "b,"]);
  });

  it("throws IncompleteReadError with the rest at EOF", async () => {
    const [error, after] = await run(async () => {
      const reader = readerWith("no separator");
      const error = await reader.readuntil(bytes("\n")).catch((e) => e);
      return [error, reader.atEof()];
    });
    assert.ok(error instanceof IncompleteReadError);
    assert.equal(text(error.partial), "no separator");
    assert.equal(error.expected, null);
    assert.equal(after, true);
  });

  it("throws LimitOverrunError and leaves the data when the separator is past the limit", async () => {
    const [error, rest] = await run(async () => {
      const reader = readerWith("0123456789\n", { limit: 5 });
      const error = await reader.readuntil(bytes("\n")).catch((e) => e);
      return [error, text(await reader.read())];
    });
    assert.ok(error instanceof LimitOverrunError);
    assert.equal(error.consumed, 10);
    assert.equal(rest, "0123456789\n");
  });

  it("throws LimitOverrunError when no separator is within the limit", async () => {
    const error = await run(async () => {
      const reader = readerWith("0123456789", { limit: 5, eof: false });
      return await reader.readuntil(bytes("\n")).catch((e) => e);
    });
    assert.ok(error instanceof LimitOverrunError);
    assert.ok(error.consumed > 5);
  });

  it("refuses bad separators", async () => {
    await run(async () => {
      const reader = readerWith("x");
      await assert.rejects(reader.readuntil(new Uint8Array(0)), RangeError);
      await assert.rejects(reader.readuntil([]), RangeError);
      // @ts-expect-error: a string is not bytes
      await assert.rejects(reader.readuntil("\n"), TypeError);
    });
  });
});

describe("StreamReader limits", () => {
  it("readline() throws RangeError and drops an overlong line", async () => {
    const [error, next] = await run(async () => {
      const reader = readerWith("x".repeat(20) + "\nshort\n", { limit: 8 });
      const error = await reader.readline().catch((e) => e);
      return [error, text(await reader.readline())];
    });
    assert.ok(error instanceof RangeError);
    assert.ok(error.cause instanceof LimitOverrunError);
    assert.equal(next, "short\n");
  });

  it("readline() clears the buffer when the separator is not there yet", async () => {
    const [error, next] = await run(async () => {
      const reader = new StreamReader(8);
      reader.feedData(bytes("y".repeat(20)));
      const error = await reader.readline().catch((e) => e);
      reader.feedData(bytes("tail\n"));
      return [error, text(await reader.readline())];
    });
    assert.ok(error instanceof RangeError);
    assert.equal(next, "tail\n");
  });

  it("checks its arguments", async () => {
    // @ts-expect-error: the limit is a number
    assert.throws(() => new StreamReader("big"), TypeError);
    assert.throws(() => new StreamReader(0), RangeError);
    assert.throws(() => new StreamReader(1.5), RangeError);
    await run(async () => {
      const reader = readerWith("abc");
      await assert.rejects(reader.readexactly(-1), RangeError);
      await assert.rejects(reader.read(1.5), RangeError);
      // A bad argument is a rejected promise, never a throw at the call.
      const pending = reader.read(-0.5);
      await assert.rejects(pending, RangeError);
      // @ts-expect-error: the size is a number
      await assert.rejects(reader.read("1"), TypeError);
      // @ts-expect-error: data is bytes
      assert.throws(() => new StreamReader().feedData("text"), TypeError);
      assert.throws(() => reader.feedData(bytes("x")), RuntimeError);
    });
  });
});

describe("StreamReader errors and cancellation", () => {
  it("setException fails a pending read and every later one", async () => {
    const [pending, later, seen] = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.read(1));
      await sleep(0);
      const failure = new Error("boom");
      reader.setException(failure);
      return [
        await reading.then(undefined, (e) => e),
        await reader.readline().catch((e) => e),
        reader.exception(),
      ] as Error[];
    });
    assert.equal(pending.message, "boom");
    assert.equal(later.message, "boom");
    assert.equal(seen.message, "boom");
  });

  it("a failure right after data still ends a read in progress", async () => {
    const error = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.read());
      await sleep(0);
      reader.feedData(bytes("some"));
      reader.setException(new Error("lost"));
      return await reading.then(undefined, (e) => e);
    });
    assert.equal((error as Error).message, "lost");
  });

  it("refuses a second concurrent read with RuntimeError", async () => {
    const error = await run(async () => {
      const reader = new StreamReader();
      const first = createTask(() => reader.read(1));
      await sleep(0);
      const error = await reader.read(1).catch((e) => e);
      reader.feedEof();
      await first;
      return error;
    });
    assert.ok(error instanceof RuntimeError);
    assert.match(error.message, /another task is already waiting/);
  });

  it("a cancelled readexactly consumes nothing: the next read gets every byte", async () => {
    const [cancelled, data] = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.readexactly(6));
      await sleep(0);
      reader.feedData(bytes("abc"));
      await sleep(0);
      reading.cancel();
      const cancelled = await reading.then(
        () => false,
        (e) => e instanceof CancelledError,
      );
      reader.feedData(bytes("def"));
      return [cancelled, text(await reader.readexactly(6))];
    });
    assert.equal(cancelled, true);
    assert.equal(data, "abcdef");
  });

  it("read(n) cancelled after its data arrived, before it resumed, consumes nothing", async () => {
    const [cancelled, data] = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.read(100));
      await sleep(0); // the task waits for data
      reader.feedData(bytes("kept")); // wakes it: it resumes at the next turn
      reading.cancel();
      const cancelled = await reading.then(
        () => false,
        (e) => e instanceof CancelledError,
      );
      reader.feedEof();
      return [cancelled, text(await reader.read(100))];
    });
    assert.equal(cancelled, true);
    assert.equal(data, "kept");
  });

  it("read(n) that waited resumes with the bytes, in the task that called it", async () => {
    const order = await run(async () => {
      const reader = new StreamReader();
      const order: string[] = [];
      const reading = createTask(async () => {
        const data = await reader.read(3);
        order.push(`read ${text(data)}`);
        order.push(`left ${reader.toString()}`);
      });
      await sleep(0);
      reader.feedData(bytes("abcde"));
      order.push("fed");
      await reading;
      return order;
    });
    assert.deepEqual(order, ["fed", "read abc", "left <StreamReader 2 bytes>"]);
  });

  it("a cancelled readline leaves the partial line for the next one", async () => {
    const line = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.readline());
      reader.feedData(bytes("par"));
      await sleep(0);
      reading.cancel();
      await reading.then(undefined, () => {});
      reader.feedData(bytes("tial\n"));
      return text(await reader.readline());
    });
    assert.equal(line, "partial\n");
  });

  it("a cancelled read() to EOF keeps what it had gathered", async () => {
    const all = await run(async () => {
      const reader = new StreamReader();
      const reading = createTask(() => reader.read());
      reader.feedData(bytes("kept "));
      await sleep(0);
      reading.cancel();
      await reading.then(undefined, () => {});
      reader.feedData(bytes("too"));
      reader.feedEof();
      return text(await reader.read());
    });
    assert.equal(all, "kept too");
  });
});
