/**
 * The demo's file writes, run in a worker by `toThread`: a module, not a
 * self-contained function, because it imports node:fs.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `data` to `folder/filename`; returns the number of bytes. */
export function saveFlag(
  folder: string,
  filename: string,
  data: Uint8Array,
): number {
  writeFileSync(join(folder, filename), data);
  return data.length;
}
