"""CPython asyncio versions of the workloads in shared/bench-workloads.md.

Usage: python3 workloads.py W1 ROUNDS [SIZE...]
Prints one JSON list of [checksum, milliseconds] per round.
"""
import asyncio
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


async def w1(n):
    async def job(i):
        await asyncio.sleep(0)
        return i
    results = await asyncio.gather(*[asyncio.create_task(job(i)) for i in range(n)])
    return sum(results)


async def w2(n):
    future = asyncio.get_running_loop().create_future()
    future.set_result(1)
    total = 0
    for _ in range(n):
        total += await future
    return total


async def w3(tasks, rounds):
    lock = asyncio.Lock()
    counter = 0

    async def worker():
        nonlocal counter
        for _ in range(rounds):
            async with lock:
                await asyncio.sleep(0)
                counter += 1
    await asyncio.gather(*[worker() for _ in range(tasks)])
    return counter


async def w4(n, limit):
    semaphore = asyncio.Semaphore(limit)

    async def job(i):
        async with semaphore:
            await asyncio.sleep(0)
            return i
    return sum(await asyncio.gather(*[job(i) for i in range(n)]))


async def w5(n, producers, consumers, size):
    queue = asyncio.Queue(size)
    per_producer = n // producers

    async def produce(p):
        for i in range(per_producer):
            await queue.put(p * per_producer + i)

    async def consume():
        total = 0
        while True:
            item = await queue.get()
            if item is None:
                return total
            total += item
    consumer_tasks = [asyncio.create_task(consume()) for _ in range(consumers)]
    await asyncio.gather(*[produce(p) for p in range(producers)])
    for _ in range(consumers):
        await queue.put(None)
    return sum(await asyncio.gather(*consumer_tasks))


async def w6(n):
    loop = asyncio.get_running_loop()
    start = loop.time()
    overshoot = 0.0

    async def sleeper(i):
        nonlocal overshoot
        delay = ((i * 37) % 101) / 1000
        await asyncio.sleep(delay)
        overshoot = max(overshoot, loop.time() - start - delay)
        return 1
    total = sum(await asyncio.gather(*[sleeper(i) for i in range(n)]))
    sys.stderr.write(f"W6 overshoot {overshoot * 1000:.1f} ms\n")
    return total


def add(a, b):
    return a + b


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


async def w7(n, kind):
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(2) if kind == "process" else ThreadPoolExecutor(2)
    with pool:
        results = await asyncio.gather(*[loop.run_in_executor(pool, add, i, 1) for i in range(n)])
    return sum(results)


async def w9(n):
    tasks = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(n)]
    await asyncio.sleep(0)
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return sum(1 for r in results if isinstance(r, asyncio.CancelledError))


async def w10(n):
    async def job(i):
        await asyncio.wait_for(asyncio.sleep(0), 10)
        return i
    return sum(await asyncio.gather(*[job(i) for i in range(n)]))


WORKLOADS = {"W10": w10, "W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7, "W9": w9}


def main():
    name, rounds, *sizes = sys.argv[1:]
    args = [int(s) if s.isdigit() else s for s in sizes]
    out = []
    for _ in range(int(rounds)):
        start = time.perf_counter()
        checksum = asyncio.run(WORKLOADS[name](*args))
        out.append([checksum, (time.perf_counter() - start) * 1000])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
