import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  example,
  finished,
  sendSignal,
  spawnScript,
} from "../fixtures/runtime.ts";

const demo = example("demo");
/** A small run whose results the seed fixes: 14 ok, 2 not found, 4 errors. */
const FLAGS = [
  "--count",
  "20",
  "--concurrency",
  "5",
  "--seed",
  "3",
  "--failure-rate",
  "0.2",
];

/** The folder the demo said it saves the flags in. */
function folderOf(stdout: string): string {
  const folder = /^Saving them in (.+)$/m.exec(stdout)?.[1];
  assert.ok(folder, `no folder in:\n${stdout}`);
  return folder;
}

describe("the flags demo", () => {
  it("gives the same tally in both passes, fixed by the seed", async () => {
    const child = spawnScript(demo, [...FLAGS, "--keep"]);
    const { code, stdout, stderr } = await finished(child);
    const folder = folderOf(stdout);
    try {
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
      const lines = stdout.trimEnd().split("\n");
      const tally = (mode: string, concurrency: number) =>
        new RegExp(
          `^${mode}: 14 ok, 2 not found, 4 errors in \\d+\\.\\d\\d s ` +
            `\\(concurrency ${concurrency}\\)$`,
        );
      assert.match(
        lines.find((l) => l.startsWith("sequential:"))!,
        tally("sequential", 1),
      );
      assert.match(
        lines.find((l) => l.startsWith("concurrent:"))!,
        tally("concurrent", 5),
      );
      const end = lines.indexOf("not found: ID, US");
      assert.ok(end > 0, stdout);
      assert.deepEqual(lines.slice(end, end + 4), [
        "not found: ID, US",
        "errors:",
        "  HTTP error 500 - Internal Server Error: BD, TR",
        "  the server closed the connection without a response: BR, VN",
      ]);
      assert.match(lines[end + 4], /^concurrent was \d+\.\d times as fast$/);
      // A plain line per country and pass when stdout is not a terminal.
      const progress = lines.filter((l) =>
        /^(sequential|concurrent) +\d+\/20 {2}[A-Z]{2} /.test(l)
      );
      assert.equal(progress.length, 40);
      assert.equal(lines.at(-1), `The files are in ${folder}`);
      assert.equal(
        readdirSync(folder).filter((f) => f.endsWith(".svg")).length,
        14,
      );
      assert.match(readFileSync(join(folder, "China.svg"), "utf8"), /^<svg /);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("removes its files unless --keep, and runs one pass with --mode", async () => {
    const child = spawnScript(demo, [...FLAGS, "--mode", "concurrent"]);
    const { code, stdout, stderr } = await finished(child);
    assert.equal(code, 0, stderr);
    assert.ok(!stdout.includes("sequential"), stdout);
    assert.match(stdout, /^concurrent: 14 ok, 2 not found, 4 errors in /m);
    assert.ok(!existsSync(folderOf(stdout)));
  });

  it("documents its flags with --help", async () => {
    const { code, stdout } = await finished(spawnScript(demo, ["--help"]));
    assert.equal(code, 0);
    for (
      const flag of [
        "--concurrency",
        "--count",
        "--failure-rate",
        "--seed",
        "--mode",
        "--keep",
        "--help",
      ]
    ) {
      assert.ok(stdout.includes(flag), `${flag} is not in:\n${stdout}`);
    }
  });

  it("rejects a bad flag with a clear message and exit code 2", async () => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /Unknown option --bogus/],
      [["--count", "0"], /--count must be an integer, 1 to 676; got 0/],
      [
        ["--failure-rate", "1.5"],
        /--failure-rate must be a number from 0 to 1; got 1\.5/,
      ],
      [["--concurrency"], /--concurrency needs a value/],
      [
        ["--mode=fast"],
        /--mode must be both, sequential or concurrent; got fast/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await finished(spawnScript(demo, args));
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.equal(stdout, "");
      assert.match(stderr, message);
    }
  });

  it("stops on SIGINT, says what was done and exits with 130", async () => {
    const child = spawnScript(demo, [...FLAGS, "--mode", "sequential"]);
    const done = finished(child);
    let seen = "";
    let signalled = false;
    child.stdout.on("data", (chunk: string) => {
      seen += chunk;
      if (!signalled && /^sequential +1\/20 /m.test(seen)) {
        sendSignal(child, "SIGINT");
        signalled = true;
      }
    });
    const { code, signal, stdout, stderr } = await done;
    assert.deepEqual({ code, signal }, { code: 130, signal: null }, stderr);
    assert.equal(stderr, "");
    const report = stdout.trimEnd().split("\n").at(-1)!;
    const downloaded = Number(
      /^interrupted: (\d+) of 20 downloaded$/.exec(report)?.[1],
    );
    assert.ok(downloaded < 20, stdout);
    assert.ok(!stdout.includes("sequential: "), "the pass was not cut short");
    assert.ok(!existsSync(folderOf(stdout)));
  });
});
