// The flags downloader of Fluent Python (chapter 20), done right: a local
// HTTP server serves generated flags and country metadata, some missing,
// slow or failing; the client downloads them one at a time, then with a
// Semaphore limit and asCompleted, saves them with toThread, and compares.
//
//   npm run demo -- --help          deno task demo --help
//
// Ctrl-C cancels the downloads and reports what was done.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createTask, currentTask, getRunningLoop, run } from "../mod.ts";
import { COUNTRY_CODES } from "./demo_countries.ts";
import { type Download, downloadAll } from "./demo_download.ts";
import {
  HELP,
  type Options,
  parseOptions,
  UsageError,
} from "./demo_options.ts";
import { makePlan } from "./demo_plan.ts";
import { Progress } from "./demo_progress.ts";
import { startFlagServer } from "./demo_server.ts";

/** One run of all the downloads, with its progress and time. */
interface Pass {
  progress: Progress;
  seconds: number;
}

async function main(options: Options): Promise<number> {
  const loop = getRunningLoop();
  const codes = COUNTRY_CODES.slice(0, options.count).sort();
  const server = await startFlagServer(makePlan(codes, options));
  const [host, port] = server.sockets[0].getsockname();
  const folder = mkdtempSync(join(tmpdir(), "aio-flags-"));
  console.log(
    `Serving ${codes.length} flags, ${codes[0]} to ${codes.at(-1)}, ` +
      `on http://${host}:${port} (failure rate ${options.failureRate}, ` +
      `seed ${options.seed})`,
  );
  console.log(`Saving them in ${folder}`);
  const passes: Pass[] = [];
  const work = createTask(() =>
    downloadPasses(codes, { host, port, folder, ...options }, passes)
  );
  loop.addSignalHandler("SIGINT", () => work.cancel());
  try {
    await work;
    report(passes);
    return 0;
  } catch (error) {
    if (!work.cancelled() || currentTask()?.cancelling()) throw error;
    const progress = passes.at(-1)?.progress;
    progress?.end();
    const done = progress?.count("ok") ?? 0;
    console.log(`interrupted: ${done} of ${codes.length} downloaded`);
    return 130;
  } finally {
    loop.removeSignalHandler("SIGINT");
    server.close();
    server.abortClients();
    await server.waitClosed();
    if (options.keep) {
      console.log(`The files are in ${folder}`);
    } else {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}

/** The passes the options ask for, each pushed to `passes` as it starts. */
async function downloadPasses(
  codes: readonly string[],
  download: Download & Options,
  passes: Pass[],
): Promise<void> {
  const loop = getRunningLoop();
  const modes = download.mode === "both"
    ? ["sequential", "concurrent"]
    : [download.mode];
  for (const mode of modes) {
    const concurrency = mode === "sequential" ? 1 : download.concurrency;
    const pass = { progress: new Progress(mode, codes.length), seconds: 0 };
    passes.push(pass);
    const start = loop.time();
    await downloadAll(
      codes,
      { ...download, concurrency },
      (result) => pass.progress.record(result),
    );
    pass.seconds = loop.time() - start;
    pass.progress.end();
    console.log(
      `${mode}: ${pass.progress} in ${pass.seconds.toFixed(2)} s ` +
        `(concurrency ${concurrency})`,
    );
  }
}

function report(passes: Pass[]): void {
  const { progress } = passes.at(-1)!;
  const notFound = progress.results("not found").map((result) => result.cc);
  if (notFound.length > 0) console.log(`not found: ${list(notFound)}`);
  const errors = new Map<string, string[]>();
  for (const { cc, detail } of progress.results("error")) {
    errors.set(detail, [...errors.get(detail) ?? [], cc]);
  }
  if (errors.size > 0) console.log("errors:");
  for (const [detail, codes] of errors) {
    console.log(`  ${detail}: ${list(codes)}`);
  }
  if (passes.length === 2) {
    const speedUp = passes[0].seconds / passes[1].seconds;
    console.log(`concurrent was ${speedUp.toFixed(1)} times as fast`);
  }
}

/** "AA, AB, AC", or the first 20 and how many more. */
function list(codes: string[]): string {
  const more = codes.length > 20 ? ` and ${codes.length - 20} more` : "";
  return codes.slice(0, 20).join(", ") + more;
}

try {
  const options = parseOptions(process.argv.slice(2));
  if (options === "help") {
    console.log(HELP.trimEnd());
  } else {
    process.exitCode = await run(() => main(options));
  }
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`demo: ${error.message}`);
  process.exitCode = 2;
}
