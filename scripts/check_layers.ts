/**
 * Checks that imports point one way, from the higher layer to the lower:
 * internal/ ← the low loop (handles, the loop's shape, the running-loop
 * lookup) ← tasks/ ← the loop itself and run() ← sync/, executor/,
 * streams/, testing/ ← subprocess/. A file may import its own folder and
 * any lower layer; no two folders of one layer import each other. Type-only
 * imports are erased at build time and are not counted.
 *
 *   deno run --allow-read scripts/check_layers.ts
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const root = new URL("../", import.meta.url).pathname;
const LOW_LOOP = [
  "loop/handle.ts",
  "loop/abstract_event_loop.ts",
  "loop/running_loop.ts",
  "loop/_internals.ts",
];

/** The layer of a file: higher layers may import lower ones. */
function layerOf(file: string): number {
  if (LOW_LOOP.includes(file)) return 1;
  const folder = file.split("/")[0];
  const layers: Record<string, number> = {
    internal: 0,
    tasks: 2,
    loop: 3,
    sync: 4,
    executor: 4,
    streams: 4,
    testing: 4,
    subprocess: 5,
  };
  return layers[folder] ?? 6;
}

function folderOf(file: string): string {
  return LOW_LOOP.includes(file) ? "loop (low)" : file.split("/")[0];
}

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".ts"))
    .map((name) => `${folder}/${name}`);
}

/** The specifiers of the file's imports and re-exports that stay at run time. */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  const statement =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*"([^"]+)"/g;
  for (const match of text.matchAll(statement)) {
    const [, , typeOnly, clause, specifier] = match;
    if (typeOnly) continue;
    const names = clause.replace(/[{}]/g, "").split(",").map((n) => n.trim())
      .filter(Boolean);
    if (names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    found.push(specifier);
  }
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+"([^"]+)"/g)) {
    found.push(match[1]);
  }
  return found;
}

const folders = [
  "internal",
  "loop",
  "tasks",
  "sync",
  "executor",
  "streams",
  "testing",
  "subprocess",
];
const problems: string[] = [];
for (const file of folders.flatMap(sources)) {
  const text = readFileSync(join(root, file), "utf8");
  for (const specifier of runtimeImports(text)) {
    if (!specifier.startsWith(".")) continue;
    const target = new URL(specifier, `file:///${file}`).pathname.slice(1);
    if (folderOf(target) === folderOf(file)) continue;
    const from = layerOf(file);
    const to = layerOf(target);
    if (to > from || (to === from && folderOf(target) !== folderOf(file))) {
      problems.push(
        `${file} imports ${target}: ${folderOf(file)} may not ` +
          `import ${folderOf(target)}`,
      );
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("layers: every import points down");
