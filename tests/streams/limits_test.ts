import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  LimitOverrunError,
  openConnection,
  startServer,
} from "../../streams/mod.ts";
import { run } from "../../mod.ts";

describe("a reader's limit holds on every runtime", () => {
  for (const limit of [1024, 64 * 1024]) {
    it(`a peer flooding bytes with no separator is refused near ${limit} bytes`, async () => {
      const consumed = await run(async () => {
        await using server = await startServer(
          async (_reader, writer) => {
            writer.write(new Uint8Array(4 * 1024 * 1024).fill(65));
            await writer.drain().catch(() => {});
            writer.close();
          },
          "127.0.0.1",
          0,
        );
        const [, port] = server.sockets[0].getsockname();
        const [reader, writer] = await openConnection("127.0.0.1", port, {
          limit,
        });
        const error = await reader.readuntil(new Uint8Array([10])).catch((
          e,
        ) => e);
        writer.close();
        assert.ok(error instanceof LimitOverrunError, String(error));
        return error.consumed;
      });
      // At most one read of the host past the limit (64 KiB on Deno and
      // Node, 125 KiB on Bun; CPython reads up to 256 KiB at a time), as
      // the transport stops delivering once the reader is full.
      assert.ok(consumed > limit, `refused at ${consumed}`);
      assert.ok(
        consumed <= limit + 256 * 1024,
        `buffered ${consumed} bytes for a limit of ${limit}`,
      );
    });
  }
});
