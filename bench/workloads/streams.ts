/**
 * Bytes over loopback against the runtime's own sockets used directly:
 * S1 echo round trips and S2 bulk throughput with streams over TCP, T1 and
 * T2 the same over TLS (against `node:tls`), P1 and P2 the same with
 * protocols and transports (against `node:net`).
 *
 * @module
 */
import * as m from "../../mod.ts";
import * as s from "../../streams/mod.ts";
import type { Workload } from "../harness.ts";
import {
  contexts,
  type Library,
  protocolBulk,
  protocolEcho,
  streamsBulk,
  streamsEcho,
} from "./library_sockets.ts";
import { certs, nodeBulk, nodeEcho } from "./node_sockets.ts";
import type { Plan } from "./tasks.ts";

/** This checkout of the library. */
const LIBRARY: Library = { m, s };

/** The streams goal and the protocols goal (issue 18). */
const STREAMS_RATIO = 1.3;
const PROTOCOLS_RATIO = 1.1;

// --- the workloads ----------------------------------------------------------

function echoes(plan: Plan): number {
  return Math.round(10_000 / plan.scale);
}

function bulkBytes(plan: Plan): number {
  return Math.round(64 / plan.scale) * 1024 * 1024;
}

/** S1: sequential 64-byte echo round trips on one TCP connection. */
export function s1(plan: Plan): Workload {
  const n = echoes(plan);
  return {
    id: "S1",
    title: `echo: ${n} sequential 64-byte round trips over loopback`,
    checksum: n,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams",
        kind: "aio",
        run: () => streamsEcho(LIBRARY, n),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeEcho(n) },
    ],
  };
}

/** S2: 64 MiB written in 64 KiB chunks to a server that counts them. */
export function s2(plan: Plan): Workload {
  const total = bulkBytes(plan);
  return {
    id: "S2",
    title: `bulk: ${total >> 20} MiB one way over loopback`,
    checksum: total,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams",
        kind: "aio",
        run: () => streamsBulk(LIBRARY, total),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeBulk(total) },
    ],
  };
}

/** T1: S1 over TLS, against node:tls. */
export function t1(plan: Plan): Workload {
  const n = echoes(plan);
  const secure = certs();
  const ssl = contexts(LIBRARY, secure);
  return {
    id: "T1",
    title: `TLS echo: ${n} sequential 64-byte round trips over loopback`,
    checksum: n,
    interleave: true,
    goal: { against: ["node:tls directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams, ssl",
        kind: "aio",
        run: () => streamsEcho(LIBRARY, n, ssl),
      },
      {
        name: "node:tls directly",
        kind: "floor",
        run: () => nodeEcho(n, secure),
      },
    ],
  };
}

/** T2: S2 over TLS, against node:tls. */
export function t2(plan: Plan): Workload {
  const total = bulkBytes(plan);
  const secure = certs();
  const ssl = contexts(LIBRARY, secure);
  return {
    id: "T2",
    title: `TLS bulk: ${total >> 20} MiB one way over loopback`,
    checksum: total,
    interleave: true,
    goal: { against: ["node:tls directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams, ssl",
        kind: "aio",
        run: () => streamsBulk(LIBRARY, total, ssl),
      },
      {
        name: "node:tls directly",
        kind: "floor",
        run: () => nodeBulk(total, secure),
      },
    ],
  };
}

/** P1: S1 with a Protocol on each side, against node:net. */
export function p1(plan: Plan): Workload {
  const n = echoes(plan);
  return {
    id: "P1",
    title: `protocol echo: ${n} sequential 64-byte round trips over loopback`,
    checksum: n,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: PROTOCOLS_RATIO },
    systems: [
      {
        name: "@aio/asyncio protocols",
        kind: "aio",
        run: () => protocolEcho(LIBRARY, n),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeEcho(n) },
    ],
  };
}

/** P2: S2 with a Protocol on each side, against node:net. */
export function p2(plan: Plan): Workload {
  const total = bulkBytes(plan);
  return {
    id: "P2",
    title: `protocol bulk: ${total >> 20} MiB one way over loopback`,
    checksum: total,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: PROTOCOLS_RATIO },
    systems: [
      {
        name: "@aio/asyncio protocols",
        kind: "aio",
        run: () => protocolBulk(LIBRARY, total),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeBulk(total) },
    ],
  };
}
