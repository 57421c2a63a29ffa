/**
 * The downloader of Fluent Python's flags3_asyncio.py: a `Semaphore`
 * limits the requests in flight, `asCompleted` hands the results over as
 * they come, and `toThread` saves each flag without blocking the loop.
 *
 * @module
 */
import {
  asCompleted,
  CancelledError,
  createTask,
  gather,
  timeout,
  TimeoutError,
} from "../mod.ts";
import { toThread } from "../executor/mod.ts";
import { Semaphore } from "../sync/mod.ts";
import { httpGet, HttpStatusError } from "./demo_http.ts";

/** What became of one country. */
export type Status = "ok" | "not found" | "error";

/** The outcome of one country: the file saved, or what went wrong. */
export interface Result {
  cc: string;
  status: Status;
  detail: string;
}

/** Where to download from and to. */
export interface Download {
  host: string;
  port: number;
  /** The folder the flags are saved in. */
  folder: string;
  /** The most requests in flight at once. */
  concurrency: number;
}

/** A download that failed for another reason than a 404. */
class DownloadError extends Error {
  override name = "DownloadError";

  constructor(readonly cc: string, cause: unknown) {
    super(describeError(cause), { cause });
  }
}

/** Seconds one request may take, as in the book. */
const REQUEST_TIMEOUT = 3.1;

const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
/** `saveFlag` of demo_save, which a worker imports: it needs node:fs. */
const SAVE_FLAG = {
  module: new URL(`./demo_save${extension}`, import.meta.url),
  name: "saveFlag",
};

/**
 * Downloads the flags of `codes` and calls `onResult` with each result as
 * it comes. Cancelling it cancels the downloads in flight and waits for
 * them to stop.
 */
export async function downloadAll(
  codes: readonly string[],
  download: Download,
  onResult: (result: Result) => void,
): Promise<void> {
  const semaphore = new Semaphore(download.concurrency);
  const tasks = codes.map((cc) =>
    createTask(() => downloadOne(cc, download, semaphore), { name: cc })
  );
  try {
    for (const next of asCompleted(tasks)) {
      try {
        onResult(await next);
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        onResult({ cc: error.cc, status: "error", detail: error.message });
      }
    }
  } finally {
    for (const task of tasks) task.cancel();
    await gather(...tasks, { returnExceptions: true });
  }
}

async function downloadOne(
  cc: string,
  download: Download,
  semaphore: Semaphore,
): Promise<Result> {
  let image: Uint8Array;
  let country: string;
  try {
    {
      using _ = await semaphore.acquire();
      image = await get(download, `/flags/${cc.toLowerCase()}.svg`);
    }
    {
      using _ = await semaphore.acquire();
      const json = await get(download, `/countries/${cc.toLowerCase()}.json`);
      country = JSON.parse(new TextDecoder().decode(json)).name;
    }
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 404) {
      return { cc, status: "not found", detail: "not found" };
    }
    if (error instanceof CancelledError) throw error;
    throw new DownloadError(cc, error);
  }
  const filename = `${country.replaceAll(" ", "_")}.svg`;
  await toThread(SAVE_FLAG, download.folder, filename, image);
  return { cc, status: "ok", detail: `saved ${filename}` };
}

function get(download: Download, path: string): Promise<Uint8Array> {
  return timeout(
    REQUEST_TIMEOUT,
    () => httpGet(download.host, download.port, path),
  );
}

function describeError(error: unknown): string {
  if (error instanceof TimeoutError) {
    return `no answer within ${REQUEST_TIMEOUT} s`;
  }
  return error instanceof Error ? error.message : String(error);
}
