// A breadth-first web crawler: a local HTTP server (node:http) serves a
// small site, and the crawler fetches it level by level, each level in a
// taskGroup, at most two fetches at once (a Semaphore). A task body that
// takes a parameter gets its task's AbortSignal, so handing it to fetch
// makes cancelling the task abort the request in flight. The second crawl
// shows that: one page fails, the group cancels its sibling, whose fetch
// the server sees abandoned.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ExceptionGroup, run, Semaphore, taskGroup } from "../mod.ts";

/** Each page of the site and the pages it links to. */
const SITE: Record<string, string[]> = {
  "/": ["/about", "/blog", "/docs"],
  "/about": ["/", "/team"],
  "/blog": ["/blog/1", "/blog/2", "/"],
  "/blog/1": ["/"],
  "/blog/2": ["/blog/1"],
  "/docs": ["/docs/api", "/about"],
  "/docs/api": ["/docs/api"],
  "/team": ["/"],
  "/trap": ["/never", "/broken"],
};

class HttpError extends Error {
  override name = "HttpError";

  constructor(readonly status: number, readonly path: string) {
    super(`HTTP ${status} for ${path}`);
  }
}

/** The site's server, and what it saw of the requests. */
interface Site {
  server: Server;
  base: string;
  /** Settles when the client gave up on `/never`, true once it did. */
  neverAbandoned: Promise<boolean>;
}

async function serveSite(): Promise<Site> {
  let neverArrived!: () => void;
  const neverSeen = new Promise<void>((resolve) => neverArrived = resolve);
  let abandoned!: (value: boolean) => void;
  const neverAbandoned = new Promise<boolean>((resolve) => abandoned = resolve);
  const server = createServer((request: IncomingMessage, response) => {
    const path = request.url ?? "/";
    if (path === "/never") {
      // Never answered: only the client can end this request.
      neverArrived();
      response.on("close", () => abandoned(!response.writableFinished));
      return;
    }
    const links = SITE[path];
    // /broken fails, once /never is surely in flight beside it.
    const ready = path === "/broken" ? neverSeen : Promise.resolve();
    ready.then(() => {
      response.writeHead(links ? 200 : 500, {
        "Content-Type": "text/html",
        "Connection": "close",
      });
      const anchors = (links ?? []).map((to) => `<a href="${to}">${to}</a>`);
      response.end(anchors.join("\n"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, neverAbandoned };
}

/** Fetches one page and returns the paths it links to. */
async function links(url: string, signal: AbortSignal): Promise<string[]> {
  const response = await fetch(url, { signal });
  const html = await response.text();
  if (!response.ok) throw new HttpError(response.status, new URL(url).pathname);
  return [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
}

/** The most fetches the crawler has had in flight at once. */
let peak = 0;

/** Crawls from `start` breadth-first; returns the paths of each depth. */
async function crawl(base: string, start: string): Promise<string[][]> {
  const slots = new Semaphore(2);
  let fetching = 0;
  const seen = new Set([start]);
  const levels: string[][] = [];
  for (let level = [start]; level.length > 0;) {
    levels.push(level);
    const found: string[][] = [];
    await taskGroup((group) => {
      for (const path of level) {
        group.createTask(async (signal) => {
          using _ = await slots.acquire();
          peak = Math.max(peak, ++fetching);
          try {
            found.push(await links(base + path, signal));
          } finally {
            fetching--;
          }
        });
      }
    });
    const next = new Set(found.flat().filter((path) => !seen.has(path)));
    for (const path of next) seen.add(path);
    level = [...next].sort();
  }
  return levels;
}

await run(async () => {
  const site = await serveSite();
  try {
    const levels = await crawl(site.base, "/");
    levels.forEach((paths, depth) => {
      console.log(`depth ${depth}: ${paths.join(" ")}`);
    });
    console.log(`crawled ${levels.flat().length} pages`);
    console.log(`most fetches at once: ${peak}`);

    try {
      await crawl(site.base, "/trap");
    } catch (error) {
      if (!(error instanceof ExceptionGroup)) throw error;
      for (const cause of error.errors) console.log(`crawl failed: ${cause}`);
    }
    console.log(
      `the fetch of /never was aborted: ${await site.neverAbandoned}`,
    );
  } finally {
    site.server.closeAllConnections();
    await new Promise((resolve) => site.server.close(resolve));
  }
});
