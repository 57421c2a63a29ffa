/**
 * `getaddrinfo` and `getnameinfo` answer as Python's do: every question is
 * put to python3's `socket` module on the same machine too, and the
 * answers must be equal, tuple for tuple. Only local names are asked, so
 * no test leaves the machine.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { HeldLookups } from "./fixtures/held_lookups.ts";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
} from "../../mod.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from "../../loop/socket_constants.ts";
import {
  getaddrinfo,
  type GetaddrinfoOptions,
  getnameinfo,
} from "../../loop/names.ts";
import type { SockAddr } from "../../loop/net_checks.ts";

type Query = [
  host: string | null,
  port: number | string | null,
  options: Required<GetaddrinfoOptions>,
];

/** Python's answers, each `["ok", value]` or `["error", message]`. */
function askPython(kind: "addr" | "name", queries: unknown[]): unknown[] {
  const script = `
import json, socket, sys
out = []
for q in json.load(sys.stdin):
    try:
        if sys.argv[1] == "addr":
            host, port, o = q
            r = socket.getaddrinfo(host, port, o["family"], o["type"], o["proto"], o["flags"])
            out.append(["ok", [[int(f), int(t), p, c, list(a)] for f, t, p, c, a in r]])
        else:
            out.append(["ok", list(socket.getnameinfo(tuple(q[0]), q[1]))])
    except OSError as e:
        out.append(["error", str(e)])
print(json.dumps(out))
`;
  const output = execFileSync("python3", ["-c", script, kind], {
    input: JSON.stringify(queries),
  });
  return JSON.parse(new TextDecoder().decode(output));
}

async function askUs(
  kind: "addr" | "name",
  queries: unknown[],
): Promise<unknown[]> {
  const loop = getRunningLoop();
  const answers = [];
  for (const query of queries) {
    try {
      const value = kind === "addr"
        ? await getaddrinfo(loop, ...(query as Query))
        : await getnameinfo(loop, ...(query as [SockAddr, number]));
      answers.push(["ok", value]);
    } catch (error) {
      answers.push(["error", (error as Error).message]);
    }
  }
  return answers;
}

const options = (o: GetaddrinfoOptions = {}): Required<GetaddrinfoOptions> => ({
  family: AF_UNSPEC,
  type: 0,
  proto: 0,
  flags: 0,
  ...o,
});

/** Python's errors and ours word failures differently: compare outcomes. */
function outcomes(answers: unknown[]): unknown[] {
  return answers.map((a) => (a as unknown[])[0] === "ok" ? a : "error");
}

describe("getaddrinfo", () => {
  it("answers every question as python3's socket.getaddrinfo does", async () => {
    const queries: Query[] = [
      ["localhost", 80, options()],
      ["localhost", 80, options({ type: SOCK_STREAM })],
      ["localhost", 53, options({ proto: IPPROTO_UDP })],
      ["localhost", 53, options({ proto: IPPROTO_TCP })],
      ["localhost", null, options({ flags: AI_CANONNAME })],
      ["localhost", "8080", options({ family: AF_INET, type: SOCK_DGRAM })],
      ["localhost", 80, options({ family: AF_INET6, flags: AI_V4MAPPED })],
      ["localhost", 80, options({ flags: AI_ADDRCONFIG })],
      ["localhost", 80, options({ flags: AI_NUMERICHOST })],
      ["localhost", "80", options({ flags: AI_NUMERICSERV })],
      ["127.0.0.1", 80, options()],
      ["127.0.0.1", 80, options({ flags: AI_CANONNAME })],
      ["127.0.0.1", 80, options({ family: AF_INET6 })],
      ["127.0.0.1", 80, options({ family: AF_INET6, flags: AI_V4MAPPED })],
      ["127.0.0.1", null, options({ type: SOCK_RAW, proto: 1 })],
      ["127.0.0.1", null, options({ proto: 1 })],
      ["::1", 443, options({ flags: AI_CANONNAME })],
      ["::1", 443, options({ family: AF_INET })],
      ["::1", 443, options({ family: AF_INET6, type: SOCK_STREAM })],
      [
        "::1",
        443,
        options({ family: AF_INET6, flags: AI_V4MAPPED | AI_ALL }),
      ],
      // IPv6 literals come back in glibc's form, a numeric scope as its id.
      ["0:0:0:0:0:0:0:1", 80, options({ type: SOCK_STREAM })],
      ["::FFFF:127.0.0.1", 80, options({ type: SOCK_STREAM })],
      ["2001:DB8:0:0:1:0:0:1", 80, options({ type: SOCK_STREAM })],
      ["1:0:0:2:0:0:0:3", 80, options({ type: SOCK_STREAM })],
      ["::7f00:1", 80, options({ type: SOCK_STREAM })],
      ["fe80::1%1", 80, options({ type: SOCK_STREAM })],
      ["1:2:3:4:5:6:7:8", 80, options({ type: SOCK_STREAM })],
      [null, 80, options()],
      [null, 80, options({ flags: AI_PASSIVE })],
      [null, 80, options({ family: AF_INET, flags: AI_PASSIVE })],
      [null, 8080, options({ family: AF_INET6, type: SOCK_DGRAM })],
      ["nosuch.invalid", 80, options()],
    ];
    const ours = await run(() => askUs("addr", queries));
    const theirs = askPython("addr", queries);
    assert.deepEqual(outcomes(ours), outcomes(theirs));
    assert.ok(theirs.filter((a) => (a as unknown[])[0] === "ok").length > 15);
  });

  it("fails with the system's code and a message that names the host", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        async () => await getaddrinfo(loop, "nosuch.invalid", 80),
        (error: Error & { code?: string }) =>
          error.code === "ENOTFOUND" &&
          error.message.includes('"nosuch.invalid"'),
      );
      await assert.rejects(
        async () => await getaddrinfo(loop, "::1", 80, { family: AF_INET }),
        { code: "EAI_ADDRFAMILY" },
      );
    });
  });

  it("is a cancellable await; the late answer is dropped", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      using lookups = new HeldLookups("held.test");
      const task = createTask(() => getaddrinfo(loop, "held.test", 80), {
        eagerStart: true,
      });
      assert.equal(lookups.waiting, 1);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      lookups.answer(); // the resolver answers into a cancelled future
      // A direct await still works afterwards.
      assert.ok((await getaddrinfo(loop, "localhost", 80)).length > 0);
    });
  });

  it("drops an answer that comes after its loop closed", () => {
    const loop = newEventLoop();
    using lookups = new HeldLookups("held.test");
    const future = getaddrinfo(loop, "held.test", 80);
    loop.close();
    lookups.answer();
    assert.equal(future.done(), false);
  });

  it("refuses bad input at the call", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      assert.throws(
        () => getaddrinfo(loop, "localhost", 80, { famly: 2 } as never),
        /no option "famly"/,
      );
      assert.throws(() => getaddrinfo(loop, 42 as never, 80), TypeError);
      assert.throws(() => getaddrinfo(loop, "", 80), RangeError);
      assert.throws(() => getaddrinfo(loop, "localhost", 70000), RangeError);
      assert.throws(
        () => getaddrinfo(loop, "localhost", "http"),
        /service names/,
      );
      assert.throws(
        () => getaddrinfo(loop, "localhost", {} as never),
        TypeError,
      );
      assert.throws(
        () => getaddrinfo(loop, "localhost", 80, { family: 1 }),
        RangeError,
      );
      assert.throws(
        () => getaddrinfo(loop, "localhost", 80, { type: 9 }),
        RangeError,
      );
      assert.throws(
        () => getaddrinfo(loop, "localhost", 80, { flags: 1 << 20 }),
        /unknown bits/,
      );
      assert.throws(
        () =>
          getaddrinfo(loop, "localhost", 80, {
            type: SOCK_STREAM,
            proto: IPPROTO_UDP,
          }),
        RangeError,
      );
      assert.throws(
        () => getaddrinfo(loop, "localhost", 80, { type: SOCK_RAW }),
        /has no port/,
      );
    });
  });
});

describe("getnameinfo", () => {
  it("answers as python3's socket.getnameinfo does", async () => {
    const queries: [SockAddr, number][] = [
      [["127.0.0.1", 80], 0],
      [["127.0.0.1", 443], NI_NUMERICHOST],
      [["127.0.0.1", 80], NI_NUMERICSERV],
      [["127.0.0.1", 80], NI_NUMERICHOST | NI_NUMERICSERV],
      [["127.0.0.1", 5353], 0],
      [["127.0.0.1", 53], NI_DGRAM],
      [["127.0.0.1", 22], NI_NOFQDN | NI_NAMEREQD],
      [["127.0.0.1", 80], NI_NUMERICHOST | NI_NAMEREQD],
      [["::1", 53, 0, 0], NI_NUMERICHOST],
      [["::1", 8080], NI_NUMERICHOST | NI_NUMERICSERV],
      [["localhost", 80], 0],
    ];
    const ours = await run(() => askUs("name", queries));
    const theirs = askPython("name", queries);
    assert.deepEqual(outcomes(ours), outcomes(theirs));
  });

  it("refuses bad input at the call", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      assert.throws(() => getnameinfo(loop, "127.0.0.1" as never), TypeError);
      assert.throws(() => getnameinfo(loop, ["127.0.0.1", -1]), RangeError);
      assert.throws(() => getnameinfo(loop, ["127.0.0.1", 80, 0, 0]), /IPv4/);
      assert.throws(
        () => getnameinfo(loop, ["127.0.0.1", 80], 1 << 12),
        RangeError,
      );
    });
  });
});
