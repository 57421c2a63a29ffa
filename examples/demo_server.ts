/**
 * The demo's HTTP/1.0 server, on this library's own `startServer`: flags
 * as small generated SVG images at `/flags/<cc>.svg` and country metadata
 * as JSON at `/countries/<cc>.json`, each answered as the plan says.
 *
 * @module
 */
import { sleep } from "../mod.ts";
import {
  IncompleteReadError,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../streams/mod.ts";
import type { CountryPlan } from "./demo_plan.ts";

/** What the server sends back for one request. */
interface Answer {
  status: 200 | 404 | 405 | 500;
  type: string;
  body: string;
  delay: number;
  /** Close the connection without answering. */
  drop?: boolean;
}

const REASONS = {
  200: "OK",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
};
const BLANK_LINE = new TextEncoder().encode("\r\n\r\n");

/** Starts the server on a free port of 127.0.0.1. */
export function startFlagServer(
  plan: ReadonlyMap<string, CountryPlan>,
): Promise<Server> {
  return startServer(
    (reader, writer) => serve(plan, reader, writer),
    "127.0.0.1",
    0,
  );
}

async function serve(
  plan: ReadonlyMap<string, CountryPlan>,
  reader: StreamReader,
  writer: StreamWriter,
): Promise<void> {
  try {
    const head = new TextDecoder().decode(await reader.readuntil(BLANK_LINE));
    const [method, path] = head.split(" ", 2);
    const answer = route(plan, method, path);
    await sleep(answer.delay);
    // Closed meanwhile: the demo is over (Ctrl-C) and dropped its clients.
    if (answer.drop || writer.isClosing()) return;
    const body = new TextEncoder().encode(answer.body);
    writer.write(new TextEncoder().encode(
      `HTTP/1.0 ${answer.status} ${REASONS[answer.status]}\r\n` +
        "Server: aio-flags\r\n" +
        `Content-Type: ${answer.type}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    ));
    writer.write(body);
    await writer.drain();
  } catch (error) {
    // A client that went away (Ctrl-C) is not the server's problem.
    if (!(error instanceof IncompleteReadError || isSystemError(error))) {
      throw error;
    }
  } finally {
    writer.close();
  }
}

function route(
  plan: ReadonlyMap<string, CountryPlan>,
  method: string,
  path: string,
): Answer {
  if (method !== "GET") return text(405, "Only GET is served", 0);
  const match = /^\/(?:flags\/([a-z]{2})\.svg|countries\/([a-z]{2})\.json)$/
    .exec(path);
  const resource = match?.[1] ? "flag" : "country";
  const code = (match?.[1] ?? match?.[2] ?? "").toUpperCase();
  const country = plan.get(code);
  if (country === undefined) return text(404, `Nothing at ${path}`, 0);
  const delay = resource === "flag" ? country.flagDelay : country.countryDelay;
  const { fault, name } = country;
  if (fault?.resource === resource) {
    return fault.kind === "drop"
      ? { ...text(500, "", delay), drop: true }
      : text(500, "Something went wrong", delay);
  }
  if (name === null || (resource === "flag" && !country.hasFlag)) {
    return text(404, `No ${resource} for ${code}`, delay);
  }
  return resource === "flag"
    ? { status: 200, type: "image/svg+xml", body: flagSvg(code), delay }
    : {
      status: 200,
      type: "application/json",
      body: JSON.stringify({ cc: code, name }),
      delay,
    };
}

function text(status: Answer["status"], body: string, delay: number): Answer {
  return { status, type: "text/plain", body, delay };
}

/** Three stripes in colours drawn from the code, and the code. */
function flagSvg(code: string): string {
  const hue = (code.charCodeAt(0) * 37 + code.charCodeAt(1) * 11) % 360;
  const stripes = [0, 1, 2].map((i) =>
    `<rect x="${i}" width="1" height="2" fill="hsl(${
      (hue + i * 120) % 360
    },70%,50%)"/>`
  );
  return '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="60" ' +
    `viewBox="0 0 3 2">${stripes.join("")}<text x="1.5" y="1.2" ` +
    `font-size="0.5" text-anchor="middle">${code}</text></svg>\n`;
}

function isSystemError(error: unknown): boolean {
  return error instanceof Error &&
    typeof Reflect.get(error, "code") === "string";
}
