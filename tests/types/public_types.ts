/**
 * Type tests of the public API: compiled, never run. `scripts/type_test.sh`
 * compiles this file with every supported TypeScript (5.6 to 7) against the
 * npm build's declarations; `deno check` compiles it against the sources.
 * A check that fails is a compile error: `Expect` takes only `true`, and a
 * `@ts-expect-error` line that compiles is an error too.
 *
 * @module
 */
import {
  asCompleted,
  createTask,
  type DatagramTransport,
  type Event,
  type Future,
  gather,
  type GatherOptions,
  LifoQueue,
  type Lock,
  type PeerCertificate,
  PriorityQueue,
  Queue,
  type ReadPipeTransport,
  run,
  Runner,
  shield,
  sleep,
  type SockAddr,
  type SSLContext,
  type SSLObject,
  type Task,
  taskGroup,
  timeout,
  timeoutAt,
  toThread,
  type Transport,
  type TransportSocket,
  wait,
  waitFor,
  type WorkerPoolExecutor,
} from "@aio/asyncio";
import type { StreamWriter } from "@aio/asyncio/streams";

/** True only when `X` and `Y` are the same type (not merely assignable). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends
  (<T>() => T extends Y ? 1 : 2) ? true : false;

/** Compiles only for `true`. */
type Expect<T extends true> = T;

declare const page: Future<{ bytes: number }>;
declare const title: Promise<string>;

export async function gatherTuples(): Promise<void> {
  const fromArray = gather([page, title, async () => true, () => 1]);
  const [p, t, b, n] = await fromArray;
  const fromArguments = await gather(page, title, sleep(0, 1n));
  const many = await gather(Array.from({ length: 3 }, () => sleep(0, 1)));
  type _ = [
    Expect<
      Equal<
        typeof fromArray,
        Future<[{ bytes: number }, string, boolean, number]>
      >
    >,
    Expect<Equal<typeof p, { bytes: number }>>,
    Expect<Equal<typeof t, string>>,
    Expect<Equal<typeof b, boolean>>,
    Expect<Equal<typeof n, number>>,
    Expect<Equal<typeof fromArguments, [{ bytes: number }, string, bigint]>>,
    Expect<Equal<typeof many, number[]>>,
  ];
  // @ts-expect-error a number is not awaitable
  gather([page, 42]);
}

export async function gatherReturnExceptions(
  decidedLater: GatherOptions,
): Promise<void> {
  const outcomes = await gather([page, title], { returnExceptions: true });
  const results = await gather([page, title], { returnExceptions: false });
  const either = await gather([page, title], decidedLater);
  const trailing = await gather(page, title, { returnExceptions: true });
  type _ = [
    Expect<Equal<typeof outcomes, [{ bytes: number } | Error, string | Error]>>,
    Expect<Equal<typeof results, [{ bytes: number }, string]>>,
    Expect<Equal<typeof either, [{ bytes: number } | Error, string | Error]>>,
    Expect<Equal<typeof trailing, [{ bytes: number } | Error, string | Error]>>,
  ];
}

export async function tasksAndFutures(): Promise<void> {
  const task = createTask(() => sleep(0.01, "done"));
  const fromAsync = createTask(async () => 42);
  const shielded = shield(task);
  const waited = await waitFor(fromAsync, 1);
  const [done, pending] = await wait([task, page]);
  const chained = task.then((text) => text.length);
  type _ = [
    Expect<Equal<typeof task, Task<string>>>,
    Expect<Equal<typeof fromAsync, Task<number>>>,
    Expect<Equal<typeof shielded, Future<string>>>,
    Expect<Equal<typeof waited, number>>,
    Expect<Equal<typeof done, Set<Future<string | { bytes: number }>>>>,
    Expect<Equal<typeof pending, typeof done>>,
    Expect<Equal<typeof chained, Promise<number>>>,
    Expect<Equal<Awaited<typeof task>, string>>,
    Expect<Equal<ReturnType<typeof task.result>, string>>,
  ];
}

export async function scopes(): Promise<void> {
  const fromGroup = await taskGroup(async (group) => {
    const first = group.createTask(() => sleep(0.01, 1));
    const second = group.createTask(async () => "two");
    type _ = [
      Expect<Equal<typeof first, Task<number>>>,
      Expect<Equal<typeof second, Task<string>>>,
    ];
    return [await first, await second] as const;
  });
  const inTime = await timeout(1, (scope) => {
    scope.reschedule(null);
    return sleep(0.01, "in time");
  });
  const atDeadline = await timeoutAt(null, async () => 7);
  const outcome = await run(async () => 1n);
  await using runner = new Runner();
  const fromRunner = await runner.run(() => sleep(0, true));
  type _ = [
    Expect<Equal<typeof fromGroup, readonly [number, string]>>,
    Expect<Equal<typeof inTime, string>>,
    Expect<Equal<typeof atDeadline, number>>,
    Expect<Equal<typeof outcome, bigint>>,
    Expect<Equal<typeof fromRunner, boolean>>,
  ];
}

export async function queues(): Promise<void> {
  const queue = new Queue<number>();
  const got = await queue.get();
  const now = queue.getNowait();
  const put = queue.put(1);
  for await (const item of queue) {
    type _ = [Expect<Equal<typeof item, number>>];
  }
  const byPriority = await new PriorityQueue<[number, string]>().get();
  const lastIn = new LifoQueue<string>().getNowait();
  type _ = [
    Expect<Equal<typeof got, number>>,
    Expect<Equal<typeof now, number>>,
    Expect<Equal<typeof put, Promise<void>>>,
    Expect<Equal<typeof byPriority, [number, string]>>,
    Expect<Equal<typeof lastIn, string>>,
  ];
  // @ts-expect-error the queue holds numbers
  queue.putNowait("one");
}

export async function synchronisation(lock: Lock, event: Event): Promise<void> {
  using _held = await lock.acquire();
  const set = await event.wait();
  type _ = [Expect<Equal<typeof set, true>>];
}

export async function asCompletedBothWays(): Promise<void> {
  const pages = [page, page];
  // for await first: TypeScript 5 rejects it after a for...of of the same type.
  for await (const finished of asCompleted(pages, { timeout: 1 })) {
    const result = await finished;
    type _ = [
      Expect<Equal<typeof finished, Future<{ bytes: number }>>>,
      Expect<Equal<typeof result, { bytes: number }>>,
      Expect<Equal<ReturnType<typeof finished.result>, { bytes: number }>>,
    ];
    // @ts-expect-error the future, not its result
    finished.bytes;
  }
  for (const next of asCompleted(pages)) {
    const result = await next;
    type _ = [
      Expect<Equal<typeof next, PromiseLike<{ bytes: number }>>>,
      Expect<Equal<typeof result, { bytes: number }>>,
    ];
  }
  for await (const finished of asCompleted([title, async () => 1])) {
    type _ = [Expect<Equal<typeof finished, Future<string | number>>>];
  }
  // @ts-expect-error a single future is not a collection
  asCompleted(page);
}

export async function executorJobs(pool: WorkerPoolExecutor): Promise<void> {
  const sum = pool.submit((a: number, b: number) => a + b, 1, 2);
  const fetched = pool.submit(async (url: string) => url.length, "x");
  const fromModule = pool.submit<bigint>({ module: "./work.js", name: "fib" });
  const squares = pool.map((x: number) => x * x, [1, 2, 3]);
  const pairs = pool.map((a: number, b: string) => b.repeat(a), [1], ["x"], {
    timeout: 1,
    chunksize: 2,
  });
  const moduleResults = pool.map<string>({ module: "m", name: "f" }, [1]);
  for await (const square of squares) {
    type _ = [Expect<Equal<typeof square, number>>];
  }
  const threaded = toThread((text: string) => text.length, "abc");
  type _ = [
    Expect<Equal<typeof sum, Future<number>>>,
    Expect<Equal<typeof fetched, Future<number>>>,
    Expect<Equal<typeof fromModule, Future<bigint>>>,
    Expect<Equal<typeof squares, AsyncGenerator<number, void, undefined>>>,
    Expect<Equal<typeof pairs, AsyncGenerator<string, void, undefined>>>,
    Expect<
      Equal<typeof moduleResults, AsyncGenerator<string, void, undefined>>
    >,
    Expect<Equal<typeof threaded, Future<number>>>,
  ];
  // @ts-expect-error the arguments must fit the function
  pool.submit((a: number) => a, "one");
  // @ts-expect-error one iterable per parameter, of its type
  pool.map((a: number) => a, ["one"]);
}

/** `for await` over a queue of promises or futures gives their results. */
export async function queueOfAwaitables(): Promise<void> {
  for await (const item of new Queue<Promise<number>>()) {
    type _ = [Expect<Equal<typeof item, number>>];
  }
  for await (const item of new Queue<Future<string>>()) {
    type _ = [Expect<Equal<typeof item, string>>];
  }
}

/** `getExtraInfo` is typed by the name asked for; other names give `unknown`. */
export function extraInfoByName(
  transport: Transport,
  endpoint: DatagramTransport,
  pipe: ReadPipeTransport,
  name: string,
  fallback: SockAddr,
): void {
  const peer = transport.getExtraInfo("peername");
  const sock = transport.getExtraInfo("sockname", fallback);
  const socket = transport.getExtraInfo("socket");
  const context = transport.getExtraInfo("sslcontext");
  const ssl = transport.getExtraInfo("sslObject");
  const cert = transport.getExtraInfo("peercert");
  const cipher = transport.getExtraInfo("cipher");
  const compression = transport.getExtraInfo("compression");
  const stream = transport.getExtraInfo("pipe");
  const unknownName = transport.getExtraInfo("no such name");
  const anyName = transport.getExtraInfo(name, 0);
  const bound = endpoint.getExtraInfo("sockname");
  const dropped = endpoint.getExtraInfo("droppedDatagrams", -1);
  const other = endpoint.getExtraInfo("cipher");
  const piped = pipe.getExtraInfo("pipe");
  type _ = [
    Expect<Equal<typeof peer, SockAddr | string | null>>,
    Expect<Equal<typeof sock, SockAddr | string>>,
    Expect<Equal<typeof socket, TransportSocket | null>>,
    Expect<Equal<typeof context, SSLContext | null>>,
    Expect<Equal<typeof ssl, SSLObject | null>>,
    Expect<Equal<typeof cert, PeerCertificate | null>>,
    Expect<
      Equal<
        typeof cipher,
        [name: string, version: string, bits: number] | null
      >
    >,
    Expect<Equal<typeof compression, null>>,
    Expect<Equal<typeof stream, object | null>>,
    Expect<Equal<typeof unknownName, unknown>>,
    Expect<Equal<typeof anyName, unknown>>,
    Expect<Equal<typeof bound, SockAddr | null>>,
    Expect<Equal<typeof dropped, number>>,
    Expect<Equal<typeof other, unknown>>,
    Expect<Equal<typeof piped, object | null>>,
  ];
  // @ts-expect-error a name is a string
  transport.getExtraInfo(1);
}

/** A `StreamWriter` gives its transport's information, typed the same way. */
export function writerExtraInfo(writer: StreamWriter): void {
  const peer = writer.getExtraInfo("peername");
  const cert = writer.getExtraInfo("peercert", "none" as const);
  const other = writer.getExtraInfo("no such name");
  type _ = [
    Expect<Equal<typeof peer, SockAddr | string | null>>,
    Expect<Equal<typeof cert, PeerCertificate | "none">>,
    Expect<Equal<typeof other, unknown>>,
  ];
}
