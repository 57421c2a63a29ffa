/**
 * What importing the package loads: the parts only some programs use
 * (sockets, servers, UDP, name lookups, pipes, the worker program) are
 * imported on first use, so they must not be reachable from the main
 * entry through static imports. Read from the files this build runs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { extension } from "../fixtures/runtime.ts";

const root = new URL("../../", import.meta.url);

/** The relative specifiers of the imports and re-exports that stay at run time. */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  const statement =
    /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s*"(\.[^"]+)"/g;
  for (const [, typeOnly, clause, specifier] of text.matchAll(statement)) {
    const names = clause.replace(/[{}]/g, "").split(",").map((n) => n.trim())
      .filter(Boolean);
    const allTypes = names.length > 0 &&
      names.every((n) => n.startsWith("type "));
    if (!typeOnly && !allTypes) found.push(specifier);
  }
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+"(\.[^"]+)"/g)) {
    found.push(match[1]);
  }
  return found;
}

/** Every module `entry` loads at import, as paths from the root without extension. */
function loadedAtImport(entry: string): Set<string> {
  const loaded = new Set<string>();
  const pending = [new URL(`${entry}${extension}`, root)];
  for (let url = pending.pop(); url !== undefined; url = pending.pop()) {
    const name = url.href.slice(root.href.length, -extension.length);
    if (loaded.has(name)) continue;
    loaded.add(name);
    for (const specifier of runtimeImports(readFileSync(url, "utf8"))) {
      pending.push(new URL(specifier, url));
    }
  }
  return loaded;
}

describe("importing the package", () => {
  const loaded = loadedAtImport("mod");

  it("loads the loop, its servers and its transports' shapes", () => {
    for (const name of ["loop/event_loop", "loop/server", "loop/pipes"]) {
      assert.ok(loaded.has(name), name);
    }
  });

  it("leaves sockets, TLS handshakes, UDP, lookups, pipes and workers to first use", () => {
    const lazy = [
      "internal/socket_host",
      "internal/tls_host",
      "internal/udp_host",
      "internal/dns_host",
      "internal/pipe_host",
      "loop/socket_setup",
      "loop/socket_transport",
      "loop/create_connection",
      "loop/create_server",
      "executor/worker_main",
    ];
    assert.deepEqual(lazy.filter((name) => loaded.has(name)), []);
  });
});
