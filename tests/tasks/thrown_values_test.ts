// JavaScript can throw anything: a body that throws `null` or `undefined`
// has failed, and every part of the library treats it as a failure, never
// as a success whose exception() happens to be null.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  createTask,
  ExceptionGroup,
  FIRST_EXCEPTION,
  type Future,
  gather,
  getRunningLoop,
  run,
  sleep,
  taskGroup,
  wait,
  waitFor,
} from "../../mod.ts";
import { openConnection, type Server, startServer } from "../../streams/mod.ts";
import { errorOf } from "../sync/helpers.ts";

const HOST = "127.0.0.1";

/** True if calling `fn` throws exactly `value`. */
function throwsExactly(fn: () => unknown, value: unknown): boolean {
  try {
    fn();
  } catch (error) {
    return error === value;
  }
  return false;
}

for (const thrown of [null, undefined]) {
  const name = String(thrown);
  /** A body that fails with `thrown` after one suspension. */
  const failing = async (): Promise<string> => {
    await sleep(0);
    throw thrown;
  };

  describe(`A body that throws ${name}`, () => {
    it("leaves a failed task, not a successful one", async () => {
      await run(async () => {
        const task = createTask(failing);
        const atOnce = createTask((): string => {
          throw thrown;
        });
        for (const t of [task, atOnce]) {
          const error = await errorOf(t);
          assert.equal(error, thrown);
          assert.equal(t.done(), true);
          assert.equal(t.cancelled(), false);
          assert.equal(t.exception(), thrown);
          assert.ok(
            throwsExactly(() => t.result(), thrown),
            "result() throws it",
          );
        }
      });
    });

    it("fails taskGroup with an ExceptionGroup holding it, and cancels the siblings", async () => {
      const [error, sibling] = await run(async () => {
        const sibling = createTask(() => sleep(10));
        let error: unknown;
        try {
          await taskGroup((tg) => {
            tg.createTask(failing);
            tg.createTask(() => sibling);
          });
        } catch (caught) {
          error = caught;
        }
        return [error, sibling];
      });
      assert.ok(error instanceof ExceptionGroup, `not a group: ${error}`);
      assert.deepEqual(error.errors, [thrown]);
      assert.equal(sibling.cancelled(), true);
    });

    it("makes gather reject with it, or list it with returnExceptions", async () => {
      await run(async () => {
        const slow = createTask(() => sleep(10, "slow"));
        assert.equal(await errorOf(gather(failing, slow)), thrown);
        assert.equal(slow.done(), false, "gather rejected at the failure");
        slow.cancel();

        const results = await gather(failing, () => sleep(0.01, "ok"), {
          returnExceptions: true,
        });
        assert.deepEqual(results, [thrown, "ok"]);
      });
    });

    it("makes wait(FIRST_EXCEPTION) return as soon as that task fails", async () => {
      await run(async () => {
        const bad = createTask(failing);
        const slow = createTask(() => sleep(10));
        const [done, pending] = await wait([bad, slow], {
          returnWhen: FIRST_EXCEPTION,
        });
        assert.deepEqual([...done], [bad]);
        assert.deepEqual([...pending], [slow]);
        assert.equal(bad.exception(), thrown);
        slow.cancel();
        assert.ok(await errorOf(slow) instanceof CancelledError);
      });
    });

    it("makes asCompleted yield it as a failure", async () => {
      await run(async () => {
        const bad = createTask(failing);
        const good = createTask(async () => {
          for (let i = 0; i < 3; i++) await sleep(0);
          return "good";
        });
        const outcomes: unknown[] = [];
        for (const next of asCompleted([good, bad])) {
          try {
            outcomes.push({ value: await next });
          } catch (error) {
            outcomes.push({ error });
          }
        }
        assert.deepEqual(outcomes, [{ error: thrown }, { value: "good" }]);

        const again = createTask(failing);
        const seen: Future<unknown>[] = [];
        for await (const done of asCompleted([again])) {
          seen.push(done as unknown as Future<unknown>);
        }
        assert.deepEqual(seen, [again]);
        assert.ok(throwsExactly(() => seen[0].result(), thrown));
      });
    });

    it("closes a startServer connection and reports to the exception handler", async () => {
      const [reported, eof] = await run(async () => {
        const loop = getRunningLoop();
        const reported: [string, boolean, unknown][] = [];
        loop.setExceptionHandler((_loop, context) => {
          reported.push([
            context.message,
            "exception" in context,
            context.exception,
          ]);
        });
        const server: Server = await startServer(
          async () => {
            await sleep(0);
            throw thrown;
          },
          HOST,
          0,
        );
        const port = server.sockets[0].getsockname()[1];
        const [reader, writer] = await openConnection(HOST, port);
        try {
          // A guard, so that a connection left open fails instead of hanging.
          const eof = (await waitFor(reader.read(), 10)).length === 0;
          return [reported, eof];
        } finally {
          writer.close();
          await writer.waitClosed();
          server.close();
          server.abortClients();
          await server.waitClosed();
        }
      });
      assert.deepEqual(reported, [[
        "Unhandled error in a startServer() client handler",
        true,
        thrown,
      ]]);
      assert.equal(eof, true);
    });

    it("makes run() reject with it", async () => {
      assert.equal(await errorOf(run(failing)), thrown);
      assert.equal(
        await errorOf(run(() => {
          throw thrown;
        })),
        thrown,
      );
    });
  });
}
