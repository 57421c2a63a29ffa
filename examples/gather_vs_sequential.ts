// Three downloads of 0.3 s each: one after another, then with gather.
import { gather, getRunningLoop, run, sleep } from "../mod.ts";

async function download(name: string): Promise<string> {
  await sleep(0.3);
  return `${name} done`;
}

await run(async () => {
  const loop = getRunningLoop();
  let start = loop.time();
  for (const name of ["a", "b", "c"]) console.log(await download(name));
  const sequential = loop.time() - start;
  start = loop.time();
  console.log(
    (await gather(download("a"), download("b"), download("c"))).join(", "),
  );
  const concurrent = loop.time() - start;
  console.log(`sequential took at least 0.9 s: ${sequential >= 0.9}`);
  console.log(
    `gather was faster than one after another: ${concurrent < sequential}`,
  );
});
