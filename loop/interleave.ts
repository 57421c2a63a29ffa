/**
 * The order in which happy eyeballs tries a host's addresses (RFC 8305):
 * families take turns, as asyncio's `_interleave_addrinfos`.
 *
 * @module
 */
import type { AddrInfo } from "./names.ts";

/**
 * Reorders `infos` so that address families alternate, starting with the
 * family of the first answer: the first `firstFamilyCount` addresses of
 * that family come first, then one of each family in turn. Within a
 * family the resolver's order is kept.
 */
export function interleaveAddrinfos(
  infos: readonly AddrInfo[],
  firstFamilyCount = 1,
): AddrInfo[] {
  const byFamily = new Map<number, AddrInfo[]>();
  for (const info of infos) {
    const list = byFamily.get(info[0]);
    if (list === undefined) byFamily.set(info[0], [info]);
    else list.push(info);
  }
  const lists = [...byFamily.values()];
  const reordered = firstFamilyCount > 1 && lists.length > 0
    ? lists[0].splice(0, firstFamilyCount - 1)
    : [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) if (i < list.length) reordered.push(list[i]);
  }
  return reordered;
}
