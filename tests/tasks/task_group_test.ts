import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  ExceptionGroup,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
  type Task,
  TaskGroup,
  taskGroup,
  timeout,
  TimeoutError,
} from "../../mod.ts";
import * as tasksModule from "../../tasks/mod.ts";

/** Runs `fn` and returns the ExceptionGroup it throws. */
async function groupErrorOf(
  fn: () => Promise<unknown>,
): Promise<ExceptionGroup> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof ExceptionGroup, `not a group: ${error}`);
    return error;
  }
  assert.fail("no ExceptionGroup was thrown");
}

describe("taskGroup", () => {
  it("waits for every task, then resolves to the body's value", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      let group: TaskGroup | null = null;
      const value = await taskGroup((tg) => {
        group = tg;
        assert.ok(tg instanceof TaskGroup);
        for (const seconds of [0.03, 0.01, 0.02]) {
          tg.createTask(async () => {
            await sleep(seconds);
            log.push(`task ${seconds}`);
          });
        }
        return "body value";
      });
      log.push(value);
      assert.throws(() => group!.createTask(() => sleep(0)), RuntimeError);
      return log;
    });
    assert.deepEqual(log, [
      "task 0.01",
      "task 0.02",
      "task 0.03",
      "body value",
    ]);
  });

  it("names its tasks and lets running tasks add more while it waits", async () => {
    await run(async () => {
      let late: Task<string> | null = null;
      await taskGroup((tg) => {
        const first = tg.createTask(async () => {
          await sleep(0.01);
          late = tg.createTask(() => sleep(0.01, "late"));
        }, { name: "first" });
        assert.equal(first.getName(), "first");
      });
      assert.equal(late!.result(), "late");
    });
  });

  it("a failing task cancels its siblings and the body, then throws an ExceptionGroup", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const error = new RangeError("boom");
      const group = await groupErrorOf(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(10);
            } finally {
              await sleep(0.01);
              log.push("sibling cleaned up");
            }
          });
          tg.createTask(async () => {
            await sleep(0.01);
            throw error;
          });
          try {
            await sleep(10);
          } catch (e) {
            log.push(`body got ${(e as Error).name}`);
            throw e;
          }
        })
      );
      log.push("caller got the group");
      assert.ok(group instanceof AggregateError);
      assert.deepEqual(group.errors, [error]);
      assert.equal(
        group.message,
        "unhandled errors in a TaskGroup (1 sub-exception)",
      );
      assert.equal(
        currentTask()?.cancelling(),
        0,
        "the group uncancelled its parent",
      );
      assert.equal(await sleep(0, "usable"), "usable");
      return log;
    });
    assert.deepEqual(log, [
      "body got CancelledError",
      "sibling cleaned up",
      "caller got the group",
    ]);
  });

  it("collects errors that tasks raise while being cancelled", async () => {
    await run(async () => {
      const first = new RangeError("first");
      const duringCancel = new TypeError("raised while cancelled");
      const group = await groupErrorOf(() =>
        taskGroup((tg) => {
          tg.createTask(async () => {
            try {
              await sleep(10);
            } catch {
              await sleep(0.01);
              throw duringCancel;
            }
          });
          tg.createTask(async () => {
            await sleep(0.01);
            throw first;
          });
          tg.createTask(() => sleep(10)); // Cancelled quietly: no error.
        })
      );
      assert.deepEqual(group.errors, [first, duringCancel]);
    });
  });

  it("a body error cancels the tasks and is reported last in the group", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const bodyError = new RangeError("body");
      const childError = new TypeError("child on cancel");
      const group = await groupErrorOf(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(10);
            } finally {
              log.push("child cancelled");
            }
          });
          tg.createTask(async () => {
            try {
              await sleep(10);
            } catch {
              throw childError;
            }
          });
          await sleep(0.01);
          throw bodyError;
        })
      );
      assert.deepEqual(group.errors, [childError, bodyError]);
      return log;
    });
    assert.deepEqual(log, ["child cancelled"]);
  });

  it("cancelling the parent cancels every task and propagates CancelledError", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const parent = createTask(() =>
        taskGroup(async (tg) => {
          for (const seconds of [0.02, 0.01]) {
            tg.createTask(async () => {
              try {
                await sleep(10);
              } finally {
                await sleep(seconds);
                log.push(`task ${seconds} cleaned up`);
              }
            });
          }
          await sleep(10);
        })
      );
      await sleep(0.01);
      parent.cancel();
      await assert.rejects(async () => await parent, CancelledError);
      log.push("parent cancelled");
      return log;
    });
    assert.deepEqual(log, [
      "task 0.01 cleaned up",
      "task 0.02 cleaned up",
      "parent cancelled",
    ]);
  });

  it("cancelling the parent while the body is done still cancels the tasks", async () => {
    await run(async () => {
      const children: Task<void>[] = [];
      const parent = createTask(() =>
        taskGroup((tg) => {
          children.push(tg.createTask(() => sleep(10)));
        })
      );
      await sleep(0.01);
      parent.cancel();
      await assert.rejects(async () => await parent, CancelledError);
      assert.ok(children[0].cancelled());
    });
  });

  it("with errors during a cancel from outside, throws the group and keeps the parent cancelled", async () => {
    await run(async () => {
      const cleanupError = new RangeError("cleanup");
      let cancellingAfter = -1;
      let nextAwait = "";
      const parent = createTask(async () => {
        try {
          await taskGroup(async (tg) => {
            tg.createTask(async () => {
              try {
                await sleep(10);
              } finally {
                // deno-lint-ignore no-unsafe-finally
                throw cleanupError;
              }
            });
            await sleep(10);
          });
        } catch (error) {
          assert.ok(error instanceof ExceptionGroup);
          assert.deepEqual(error.errors, [cleanupError]);
          cancellingAfter = currentTask()!.cancelling();
        }
        try {
          await sleep(0);
          nextAwait = "not cancelled";
        } catch (error) {
          nextAwait = (error as Error).name;
          throw error;
        }
      });
      await sleep(0.01);
      parent.cancel();
      await assert.rejects(async () => await parent, CancelledError);
      assert.equal(cancellingAfter, 1);
      assert.equal(nextAwait, "CancelledError");
    });
  });

  it("does not count cancelled tasks as failures", async () => {
    await run(async () => {
      const value = await taskGroup(async (tg) => {
        const task = tg.createTask(() => sleep(10));
        await sleep(0);
        task.cancel();
        return "fine";
      });
      assert.equal(value, "fine");
    });
  });

  it("refuses new tasks while shutting down and after it has finished", async () => {
    await run(async () => {
      let kept: TaskGroup | null = null;
      const refused: unknown[] = [];
      await groupErrorOf(() =>
        taskGroup((tg) => {
          kept = tg;
          tg.createTask(async () => {
            try {
              await sleep(10);
            } finally {
              try {
                tg.createTask(() => sleep(0));
              } catch (error) {
                refused.push(error);
              }
            }
          });
          tg.createTask(async () => {
            await sleep(0.01);
            throw new RangeError("fail");
          });
        })
      );
      assert.equal(refused.length, 1);
      assert.ok(refused[0] instanceof RuntimeError);
      assert.throws(() => kept!.createTask(() => sleep(0)), RuntimeError);
    });
  });

  it("nests: an inner group's ExceptionGroup is one error of the outer", async () => {
    await run(async () => {
      const inner = new RangeError("inner");
      const group = await groupErrorOf(() =>
        taskGroup((outer) => {
          outer.createTask(() =>
            taskGroup((tg) => {
              tg.createTask(async () => {
                await sleep(0.01);
                throw inner;
              });
            })
          );
        })
      );
      assert.equal(group.errors.length, 1);
      assert.ok(group.errors[0] instanceof ExceptionGroup);
      assert.deepEqual(group.errors[0].errors, [inner]);
    });
  });

  it("works inside a timeout: the tasks are cancelled and TimeoutError arrives", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      try {
        await timeout(0.01, () =>
          taskGroup((tg) => {
            tg.createTask(async () => {
              try {
                await sleep(10);
              } finally {
                log.push("task cleaned up");
              }
            });
          }));
      } catch (error) {
        log.push(`caller got ${(error as Error).name}`);
        assert.ok(error instanceof TimeoutError);
      }
      return log;
    });
    assert.deepEqual(log, ["task cleaned up", "caller got TimeoutError"]);
  });

  it("must run inside a task and takes a function", async () => {
    await run(async () => {
      assert.throws(() => taskGroup(42 as unknown as () => void), TypeError);
      const loop = getRunningLoop();
      const done = loop.createFuture<unknown>();
      loop.callSoon(() => {
        try {
          taskGroup(() => {});
          done.setResult(null);
        } catch (error) {
          done.setResult(error);
        }
      });
      assert.ok((await done) instanceof RuntimeError);
    });
  });
});

describe("ExceptionGroup", () => {
  it("is an AggregateError holding its errors, exported by tasks/mod.ts", () => {
    const errors = [new RangeError("a"), "not even an Error"];
    const group = new tasksModule.ExceptionGroup("several", errors);
    assert.ok(group instanceof AggregateError);
    assert.ok(group instanceof Error);
    assert.equal(group.name, "ExceptionGroup");
    assert.equal(group.message, "several (2 sub-exceptions)");
    assert.deepEqual(group.errors, errors);
    assert.throws(() => new ExceptionGroup("none", []), RangeError);
    assert.throws(
      () => new ExceptionGroup(42 as unknown as string, [new Error()]),
      TypeError,
    );
  });
});
