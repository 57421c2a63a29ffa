/**
 * CPython 3.13's own Unix event-loop test cases, from
 * `Lib/test/test_asyncio/test_unix_events.py` (3.13.0), ported: the
 * public behaviour of `SelectorEventLoopSignalTests` (`addSignalHandler` /
 * `removeSignalHandler`) and of `SelectorEventLoopUnixSocketTests`
 * (`createUnixServer` / `createUnixConnection`). Each `it` is named after the
 * CPython test it ports. CPython drives most of these cases with a mocked
 * `signal` or `socket` module; here each runs for real: a real SIGWINCH
 * sent to this process (ignored by default, so one that nobody handles
 * harms nothing; the signal tests/loop/event_loop_test.ts sends too), real
 * uncatchable signals, a real worker thread, real files and Unix sockets
 * in a temporary folder. Every expectation was checked against CPython 3.13
 * running the same scenario for real.
 *
 * Translations: a signal is a name (`"SIGWINCH"`, README "Signals are
 * names"), so CPython's non-`int` signal is a non-string here, and its
 * signal number out of `valid_signals()` an unknown name; ValueError is
 * `RangeError` and OSError an `Error` with a `code`; a missing argument
 * (CPython's `path=None` with no `sock`) is a `TypeError`, as in
 * tests/loop/cpython_base_events_test.ts; CPython's `SIGHUP` in the signal
 * tests is `SIGWINCH` wherever a signal is really sent.
 *
 * Ported elsewhere: `UnixReadPipeTransportTests` and
 * `UnixWritePipeTransportTests` (tests/subprocess/cpython_subprocess_test.ts),
 * the Unix server's socket-file cleanup (test_server.py's
 * `UnixServerCleanupTests`, tests/loop/cpython_transports_test.ts).
 *
 * Skipped, one line per group, and why:
 * - `test_handle_signal_no_handler`, `test_handle_signal_cancelled_handler`:
 *   the private `_handle_signal` and `_signal_handlers`.
 * - `test_add_signal_handler_install_error` (`signal.signal` failing with
 *   EFAULT), `test_remove_signal_handler_cleanup_error`,
 *   `test_remove_signal_handler_error`, `test_remove_signal_handler_error2`
 *   (`set_wakeup_fd` / `signal.signal` failing on removal): failures a mocked
 *   `signal` module makes up; no real signal fails so.
 * - `test_close_on_finalizing`: `sys.is_finalizing()` and its
 *   ResourceWarning; an interpreter state JavaScript has not.
 * - `test_create_unix_server_pathlike`: `os.PathLike` paths; a path is a
 *   string here. (`test_create_unix_connection_pathlike`'s public half,
 *   FileNotFoundError where nothing listens, is ported.)
 * - `test_create_unix_server_path_inetsock`, `_path_dgram`,
 *   `_path_stream_bittype`, `test_create_unix_connection_path_inetsock`,
 *   `test_create_unix_connection_path_sock`: the `sock=` argument; the loop
 *   takes no raw sockets (README: no file descriptors).
 * - `test_create_unix_server_bind_error`'s check that the mocked socket is
 *   closed: a mock; the public half (the bind error reaches the caller) is
 *   ported.
 * - SelectorEventLoopUnixSockSendfileTests: `loop.sock_sendfile` on raw
 *   sockets; there is no sendfile and no raw socket here.
 * - AbstractChildWatcherTests, BaseChildWatcherTests, SafeChildWatcherTests,
 *   FastChildWatcherTests, PolicyTests (`get_child_watcher`,
 *   `set_child_watcher`, the watcher following `set_event_loop`): child
 *   watchers, deprecated in 3.12; this library has none (a process's exit
 *   reaches `Process.wait()` through the runtime).
 * - TestFunctional (`add_reader` / `add_writer` with a bad file object or a
 *   transport's file descriptor): no `add_reader` and no file descriptors.
 * - TestFork (`os.fork`, multiprocessing's fork context): no fork in
 *   JavaScript runtimes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { Worker as ThreadWorker } from "node:worker_threads";
import {
  currentTask,
  getRunningLoop,
  newEventLoop,
  Protocol,
  RuntimeError,
  sleep,
  type Transport,
} from "../../mod.ts";
import { extension } from "../fixtures/runtime.ts";
import { onNewLoop } from "../fixtures/cpython_utils.ts";
import { tempDir } from "../fixtures/temp_dir.ts";

/**
 * Sends SIGWINCH to this process every 10 ms until `seen()` is true (some
 * runtimes start listening a little after `process.on` returns, so one
 * signal sent at once may find nobody yet); a 10 s hang guard.
 */
async function sendWinchUntil(seen: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !seen(); i++) {
    process.kill(process.pid, "SIGWINCH");
    await sleep(0.01);
  }
  assert.ok(seen(), "SIGWINCH was not seen within 10 s");
}

/**
 * Listens for SIGWINCH beside the loop, as a witness: `count()` is how many
 * it saw. Listeners of one signal are called in one go, so once the witness
 * has seen a signal, any other listener has seen it too.
 */
function winchWitness(): { count(): number; stop(): void } {
  let count = 0;
  const listener = () => count++;
  process.on("SIGWINCH", listener);
  return {
    count: () => count,
    stop: () => void process.off("SIGWINCH", listener),
  };
}

/** A fresh, unused socket path in a temporary folder. */
function tempSocketPath(): string {
  return path.join(tempDir("aio-unix-events-"), "sock");
}

/** A protocol that counts its connections. */
class CountingProto extends Protocol {
  made = 0;
  override connectionMade(_transport: Transport): void {
    this.made++;
  }
}

describe("CPython test_unix_events.py: SelectorEventLoopSignalTests", () => {
  it("test_check_signal: a signal that is not a name is a TypeError, an unknown name a RangeError", () => {
    const loop = newEventLoop();
    try {
      // CPython: `_check_signal('1')` is a TypeError (sig must be an int),
      // `_check_signal(NSIG + 1)` a ValueError (invalid signal number), for
      // add_signal_handler and remove_signal_handler alike.
      for (const wrongType of [1, null, undefined, {}]) {
        assert.throws(
          () => loop.addSignalHandler(wrongType as never, () => {}),
          TypeError,
        );
        assert.throws(
          () => loop.removeSignalHandler(wrongType as never),
          TypeError,
        );
      }
      for (const unknown of ["", "1", "sigwinch", "WINCH", "SIGNOPE"]) {
        assert.throws(
          () => loop.addSignalHandler(unknown, () => {}),
          RangeError,
          `addSignalHandler(${JSON.stringify(unknown)})`,
        );
        assert.throws(
          () => loop.removeSignalHandler(unknown),
          RangeError,
          `removeSignalHandler(${JSON.stringify(unknown)})`,
        );
      }
    } finally {
      loop.close();
    }
  });

  it("test_add_signal_handler_setup_error: off the main thread, adding a handler is a RuntimeError", async () => {
    // CPython's mock makes set_wakeup_fd() fail as it does off the main
    // thread; this runs the loop in a real worker thread (CPython 3.13 in a
    // thread: RuntimeError "set_wakeup_fd only works in main thread of the
    // main interpreter"). Node delivers no signals to a worker's
    // `process.on`, so a handler added there would never be called.
    const mod = new URL(`../../mod${extension}`, import.meta.url).href;
    const code = `
      import { parentPort } from "node:worker_threads";
      import { newEventLoop, RuntimeError } from ${JSON.stringify(mod)};
      const loop = newEventLoop();
      let outcome;
      try {
        loop.addSignalHandler("SIGWINCH", () => {});
        outcome = "added";
      } catch (error) {
        outcome = error instanceof RuntimeError
          ? "RuntimeError"
          : String(error?.name) + ": " + String(error?.message);
      }
      const removed = loop.removeSignalHandler("SIGWINCH");
      loop.close();
      parentPort.postMessage({ outcome, removed });`;
    const worker = new ThreadWorker(
      new URL(`data:text/javascript,${encodeURIComponent(code)}`),
    );
    const answer = await new Promise<unknown>((resolve, reject) => {
      const guard = setTimeout(
        () => reject(new Error("the worker did not answer within 30 s")),
        30_000,
      );
      worker.once("message", (message) => {
        clearTimeout(guard);
        resolve(message);
      });
      worker.once("error", (error) => {
        clearTimeout(guard);
        reject(error);
      });
    }).finally(() => worker.terminate());
    assert.deepEqual(answer, { outcome: "RuntimeError", removed: false });
  });

  it("test_add_signal_handler_coroutine_error: an async function or a promise is no signal handler", () => {
    const loop = newEventLoop();
    try {
      const simpleCoroutine = async () => {};
      // CPython refuses both the coroutine function and the coroutine
      // object, in and out of debug mode: "coroutines cannot be used with
      // add_signal_handler()".
      assert.throws(
        () => loop.addSignalHandler("SIGWINCH", simpleCoroutine),
        TypeError,
      );
      const promise = simpleCoroutine();
      assert.throws(
        () => loop.addSignalHandler("SIGWINCH", promise as never),
        TypeError,
      );
      // Nothing was installed.
      assert.equal(loop.removeSignalHandler("SIGWINCH"), false);
    } finally {
      loop.close();
    }
  });

  it("test_add_signal_handler: the handler is called on the loop with its arguments; a second one replaces it", async () => {
    await onNewLoop(async (loop) => {
      const calls: unknown[][] = [];
      loop.addSignalHandler(
        "SIGWINCH",
        (...args: unknown[]) => {
          // A plain callback of this loop, as CPython's Handle.
          calls.push([getRunningLoop() === loop, currentTask(), ...args]);
        },
        "first",
        1,
      );
      try {
        await sendWinchUntil(() => calls.length > 0);
        assert.deepEqual(calls[0], [true, null, "first", 1]);
        // CPython: add_signal_handler for a signal that has a handler
        // replaces it.
        const replaced: unknown[][] = [];
        loop.addSignalHandler("SIGWINCH", (...args: unknown[]) => {
          replaced.push(args);
        }, "second");
        const witness = winchWitness();
        try {
          await sendWinchUntil(() =>
            witness.count() > 0 && replaced.length > 0
          );
          assert.deepEqual(replaced[0], ["second"]);
          // Signals sent before the replacement may have reached the first
          // handler; one that the witness sees now reaches only the second.
          const firstCalls = calls.length;
          const seen = witness.count();
          await sendWinchUntil(() => witness.count() > seen);
          await sleep(0);
          await sleep(0);
          assert.equal(calls.length, firstCalls);
        } finally {
          witness.stop();
        }
      } finally {
        loop.removeSignalHandler("SIGWINCH");
      }
    });
  });

  it("test_add_signal_handler_install_error3: an uncatchable signal is a RuntimeError", () => {
    // CPython's mock makes signal.signal() fail with EINVAL, as it does for
    // SIGKILL and SIGSTOP: RuntimeError "sig 9 cannot be caught".
    const loop = newEventLoop();
    try {
      for (const signal of ["SIGKILL", "SIGSTOP"]) {
        assert.throws(
          () => loop.addSignalHandler(signal, () => {}),
          (error: unknown) =>
            error instanceof RuntimeError &&
            /cannot be caught/.test(error.message),
          signal,
        );
        // Nothing was left installed (CPython: remove_signal_handler is
        // False).
        assert.equal(loop.removeSignalHandler(signal), false, signal);
      }
    } finally {
      loop.close();
    }
  });

  it("test_add_signal_handler_install_error2: the refusal keeps the other handlers", async () => {
    // CPython: with a handler already installed, a signal that cannot be
    // caught is a RuntimeError and the signal set-up stays for the others.
    await onNewLoop(async (loop) => {
      const calls: string[] = [];
      loop.addSignalHandler("SIGWINCH", () => calls.push("winch"));
      try {
        assert.throws(
          () => loop.addSignalHandler("SIGKILL", () => {}),
          RuntimeError,
        );
        await sendWinchUntil(() => calls.length > 0);
        assert.equal(calls[0], "winch");
      } finally {
        assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
      }
    });
  });

  it("test_remove_signal_handler: true once, then false; the handler is no longer called", async () => {
    await onNewLoop(async (loop) => {
      let called = 0;
      loop.addSignalHandler("SIGWINCH", () => called++);
      await sendWinchUntil(() => called > 0);
      assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
      assert.equal(loop.removeSignalHandler("SIGWINCH"), false);
      // CPython restores SIG_DFL. Calls of signals sent before the removal
      // may still come; then one signal sent after it must reach nobody.
      const witness = winchWitness();
      try {
        await sendWinchUntil(() => witness.count() > 0);
        const after = called;
        const seen = witness.count();
        await sendWinchUntil(() => witness.count() > seen);
        await sleep(0);
        await sleep(0);
        assert.equal(called, after);
      } finally {
        witness.stop();
      }
    });
  });

  it("test_remove_signal_handler_2: removing the SIGINT handler leaves SIGINT as it was", () => {
    // CPython puts back `default_int_handler` (KeyboardInterrupt); here the
    // loop's listener goes, so whatever handled SIGINT before (the
    // runtime's default, or run()'s KeyboardInterrupt) handles it again.
    // No SIGINT is sent: the listeners are counted.
    const loop = newEventLoop();
    const before = process.listenerCount("SIGINT");
    try {
      loop.addSignalHandler("SIGINT", () => {});
      assert.equal(process.listenerCount("SIGINT"), before + 1);
      assert.equal(loop.removeSignalHandler("SIGINT"), true);
      assert.equal(process.listenerCount("SIGINT"), before);
    } finally {
      loop.removeSignalHandler("SIGINT");
      loop.close();
    }
  });

  it("test_close: close() removes every signal handler", () => {
    const signals = ["SIGHUP", "SIGCHLD", "SIGWINCH"] as const;
    const before = signals.map((each) => process.listenerCount(each));
    const loop = newEventLoop();
    try {
      for (const each of signals) loop.addSignalHandler(each, () => {});
      assert.deepEqual(
        signals.map((each) => process.listenerCount(each)),
        before.map((count) => count + 1),
      );
    } finally {
      loop.close();
    }
    // CPython: `_signal_handlers` is empty and the wake-up fd reset; the
    // process listens for none of them any more.
    assert.deepEqual(
      signals.map((each) => process.listenerCount(each)),
      before,
    );
    for (const each of signals) {
      assert.equal(loop.removeSignalHandler(each), false, each);
    }
  });
});

describe("CPython test_unix_events.py: SelectorEventLoopUnixSocketTests", () => {
  it("test_create_unix_server_existing_path_sock: a socket file left by a closed socket is replaced", async () => {
    const addr = tempSocketPath();
    // As CPython's test: a socket bound and listening there, then closed,
    // which leaves its file behind (python3 does that; the runtimes' own
    // servers remove the file as they close).
    execFileSync("python3", [
      "-c",
      "import socket, sys\n" +
      "sock = socket.socket(socket.AF_UNIX)\n" +
      "sock.bind(sys.argv[1])\n" +
      "sock.listen(1)\n" +
      "sock.close()",
      addr,
    ]);
    assert.ok(fs.statSync(addr).isSocket(), "the stale socket file is there");
    await onNewLoop(async (loop) => {
      const proto = new CountingProto();
      const srv = await loop.createUnixServer(() => proto, addr);
      try {
        // The server really listens on the path now.
        const [transport] = await loop.createUnixConnection(
          () => new Protocol(),
          addr,
        );
        for (let i = 0; i < 1000 && proto.made === 0; i++) await sleep(0.01);
        assert.equal(proto.made, 1);
        transport.close();
      } finally {
        srv.close();
        await srv.waitClosed();
      }
    });
  });

  it("test_create_unix_connection_pathlike: nothing at the path is FileNotFoundError (ENOENT)", async () => {
    // The path-like half is skipped (paths are strings); CPython's
    // expectation for the path itself is FileNotFoundError.
    const addr = tempSocketPath();
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), addr),
        (error: unknown) =>
          error instanceof Error &&
          (error as { code?: string }).code === "ENOENT",
      );
    });
  });

  it("test_create_unix_server_existing_path_nonsock: a file that is no socket is EADDRINUSE, and stays", async () => {
    const addr = tempSocketPath();
    fs.writeFileSync(addr, "keep");
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixServer(() => new Protocol(), addr),
        (error: unknown) =>
          error instanceof Error &&
          (error as { code?: string }).code === "EADDRINUSE",
      );
    });
    // CPython removes only a socket file; the file is untouched.
    assert.equal(fs.readFileSync(addr, "utf8"), "keep");
  });

  it("test_create_unix_server_ssl_bool: ssl: true on a server is a TypeError", async () => {
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixServer(() => new Protocol(), "spam", {
          ssl: true as never,
        }),
        TypeError,
      );
    });
    // Refused before anything was bound.
    assert.equal(fs.existsSync("spam"), false);
  });

  it("test_create_unix_server_nopath_nosock: no path is a TypeError", async () => {
    // CPython: ValueError "path was not specified, and no sock specified";
    // there is no sock here, so the path is a missing argument.
    await onNewLoop(async (loop) => {
      for (const nopath of [null, undefined]) {
        await assert.rejects(
          loop.createUnixServer(() => new Protocol(), nopath as never),
          TypeError,
        );
      }
    });
  });

  it("test_create_unix_server_ssl_timeout_with_plain_sock: TLS timeouts without ssl are a RangeError", async () => {
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixServer(() => new Protocol(), "spam", {
          sslHandshakeTimeout: 1,
        }),
        (error: unknown) =>
          error instanceof RangeError &&
          /sslHandshakeTimeout is only meaningful with ssl/.test(
            error.message,
          ),
      );
      // CPython 3.13 says the same of ssl_shutdown_timeout.
      await assert.rejects(
        loop.createUnixServer(() => new Protocol(), "spam", {
          sslShutdownTimeout: 1,
        }),
        RangeError,
      );
    });
    assert.equal(fs.existsSync("spam"), false);
  });

  it("test_create_unix_server_bind_error: a bind error reaches the caller", async () => {
    // CPython mocks bind() to fail and checks the socket gets closed (a
    // mock); a path under a regular file fails bind() for real:
    // NotADirectoryError (ENOTDIR), and one in a folder that does not
    // exist FileNotFoundError (ENOENT, which libuv reports as EACCES on
    // Node).
    const dir = tempDir("aio-unix-events-");
    fs.writeFileSync(path.join(dir, "file"), "");
    const cases = [
      [path.join(dir, "file", "sock"), "ENOTDIR"],
      [path.join(dir, "missing", "sock"), "ENOENT"],
    ];
    await onNewLoop(async (loop) => {
      for (const [addr, code] of cases) {
        await assert.rejects(
          loop.createUnixServer(() => new Protocol(), addr),
          (error: unknown) =>
            error instanceof Error &&
            (error as { code?: string }).code === code,
          addr,
        );
      }
    });
  });

  it("test_create_unix_connection_nopath_nosock: no path is a TypeError", async () => {
    // CPython: ValueError "no path and sock were specified"; there is no
    // sock here, so the path is a missing argument.
    await onNewLoop(async (loop) => {
      for (const nopath of [null, undefined]) {
        await assert.rejects(
          loop.createUnixConnection(() => new Protocol(), nopath as never),
          TypeError,
        );
      }
    });
  });

  it("test_create_unix_connection_nossl_serverhost: serverHostname without ssl is a RangeError", async () => {
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), "/dev/null", {
          serverHostname: "spam",
        }),
        (error: unknown) =>
          error instanceof RangeError &&
          /serverHostname is only meaningful/.test(error.message),
      );
    });
  });

  it("test_create_unix_connection_ssl_noserverhost: ssl without serverHostname is a RangeError", async () => {
    // CPython: ValueError "you have to pass server_hostname when using
    // ssl": a Unix path gives no name to check the certificate against.
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), "/dev/null", {
          ssl: true,
        }),
        (error: unknown) =>
          error instanceof RangeError && /serverHostname/.test(error.message),
      );
    });
  });

  it("test_create_unix_connection_ssl_timeout_with_plain_sock: TLS timeouts without ssl are a RangeError", async () => {
    await onNewLoop(async (loop) => {
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), "spam", {
          sslHandshakeTimeout: 1,
        }),
        (error: unknown) =>
          error instanceof RangeError &&
          /sslHandshakeTimeout is only meaningful with ssl/.test(
            error.message,
          ),
      );
      // CPython 3.13 says the same of ssl_shutdown_timeout.
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), "spam", {
          sslShutdownTimeout: 1,
        }),
        RangeError,
      );
    });
  });
});
