// `async with` becomes `await using` (or `using` for a lock's ticket).
import { run, sleep } from "../mod.ts";
import { Lock } from "../sync/mod.ts";

class Connection {
  constructor(readonly name: string) {
    console.log(`open ${name}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await sleep(0.01);
    console.log(`closed ${this.name}`);
  }
}

async function connect(name: string): Promise<Connection> {
  await sleep(0.01);
  return new Connection(name);
}

await run(async () => {
  const lock = new Lock();
  {
    await using connection = await connect("db");
    using _ = await lock.acquire();
    console.log(`using ${connection.name}, locked: ${lock.locked()}`);
  }
  console.log(`after the block, locked: ${lock.locked()}`);
});
