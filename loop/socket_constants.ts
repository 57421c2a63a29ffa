/**
 * The numbers of Python's `socket` module that asyncio's networking
 * calls take and return. They are Linux's values, as Python gives them on
 * Linux, and the same on every system here: they name a choice, they are
 * never handed to the system as they are.
 *
 * @module
 */

/**
 * Any address family: both IPv4 and IPv6 (`socket.AF_UNSPEC`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { AF_UNSPEC } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AF_UNSPEC, 0); // socket.AF_UNSPEC on Linux
 * ```
 */
export const AF_UNSPEC: number = 0;

/**
 * Unix domain sockets (`socket.AF_UNIX`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { AF_UNIX } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AF_UNIX, 1); // socket.AF_UNIX on Linux
 * ```
 */
export const AF_UNIX: number = 1;

/**
 * IPv4 (`socket.AF_INET`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { AF_INET } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AF_INET, 2); // socket.AF_INET on Linux
 * ```
 */
export const AF_INET: number = 2;

/**
 * IPv6 (`socket.AF_INET6`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { AF_INET6 } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AF_INET6, 10); // socket.AF_INET6 on Linux
 * ```
 */
export const AF_INET6: number = 10;

/**
 * A byte stream: TCP (`socket.SOCK_STREAM`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { SOCK_STREAM } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SOCK_STREAM, 1); // socket.SOCK_STREAM on Linux
 * ```
 */
export const SOCK_STREAM: number = 1;

/**
 * Datagrams: UDP (`socket.SOCK_DGRAM`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { SOCK_DGRAM } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SOCK_DGRAM, 2); // socket.SOCK_DGRAM on Linux
 * ```
 */
export const SOCK_DGRAM: number = 2;

/**
 * Raw packets, as getaddrinfo lists them (`socket.SOCK_RAW`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { SOCK_RAW } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SOCK_RAW, 3); // socket.SOCK_RAW on Linux
 * ```
 */
export const SOCK_RAW: number = 3;

/**
 * The protocol chosen by the socket type (`socket.IPPROTO_IP`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { IPPROTO_IP } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(IPPROTO_IP, 0); // socket.IPPROTO_IP on Linux
 * ```
 */
export const IPPROTO_IP: number = 0;

/**
 * TCP (`socket.IPPROTO_TCP`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { IPPROTO_TCP } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(IPPROTO_TCP, 6); // socket.IPPROTO_TCP on Linux
 * ```
 */
export const IPPROTO_TCP: number = 6;

/**
 * UDP (`socket.IPPROTO_UDP`).
 *
 * @example Python's number, on every system
 * ```ts
 * import { IPPROTO_UDP } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(IPPROTO_UDP, 17); // socket.IPPROTO_UDP on Linux
 * ```
 */
export const IPPROTO_UDP: number = 17;

/**
 * getaddrinfo: addresses to listen on; no host means any address.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_PASSIVE } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_PASSIVE, 1); // socket.AI_PASSIVE on Linux
 * ```
 */
export const AI_PASSIVE: number = 1;

/**
 * getaddrinfo: the first result carries the canonical name.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_CANONNAME } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_CANONNAME, 2); // socket.AI_CANONNAME on Linux
 * ```
 */
export const AI_CANONNAME: number = 2;

/**
 * getaddrinfo: the host must be a numeric address; no lookup.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_NUMERICHOST } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_NUMERICHOST, 4); // socket.AI_NUMERICHOST on Linux
 * ```
 */
export const AI_NUMERICHOST: number = 4;

/**
 * getaddrinfo: with `AF_INET6`, IPv4 addresses as IPv4-mapped IPv6.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_V4MAPPED } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_V4MAPPED, 8); // socket.AI_V4MAPPED on Linux
 * ```
 */
export const AI_V4MAPPED: number = 8;

/**
 * getaddrinfo: with `AI_V4MAPPED`, IPv6 and mapped IPv4 addresses both.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_ALL } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_ALL, 16); // socket.AI_ALL on Linux
 * ```
 */
export const AI_ALL: number = 16;

/**
 * getaddrinfo: only IP versions this machine has an address of.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_ADDRCONFIG } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_ADDRCONFIG, 32); // socket.AI_ADDRCONFIG on Linux
 * ```
 */
export const AI_ADDRCONFIG: number = 32;

/**
 * getaddrinfo: the port must be numeric.
 *
 * @example Python's number, on every system
 * ```ts
 * import { AI_NUMERICSERV } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(AI_NUMERICSERV, 1024); // socket.AI_NUMERICSERV on Linux
 * ```
 */
export const AI_NUMERICSERV: number = 1024;

/**
 * getnameinfo: the host as a numeric address.
 *
 * @example Python's number, on every system
 * ```ts
 * import { NI_NUMERICHOST } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(NI_NUMERICHOST, 1); // socket.NI_NUMERICHOST on Linux
 * ```
 */
export const NI_NUMERICHOST: number = 1;

/**
 * getnameinfo: the port as a number.
 *
 * @example Python's number, on every system
 * ```ts
 * import { NI_NUMERICSERV } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(NI_NUMERICSERV, 2); // socket.NI_NUMERICSERV on Linux
 * ```
 */
export const NI_NUMERICSERV: number = 2;

/**
 * getnameinfo: only the host part of a local name.
 *
 * @example Python's number, on every system
 * ```ts
 * import { NI_NOFQDN } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(NI_NOFQDN, 4); // socket.NI_NOFQDN on Linux
 * ```
 */
export const NI_NOFQDN: number = 4;

/**
 * getnameinfo: fail when the address has no name.
 *
 * @example Python's number, on every system
 * ```ts
 * import { NI_NAMEREQD } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(NI_NAMEREQD, 8); // socket.NI_NAMEREQD on Linux
 * ```
 */
export const NI_NAMEREQD: number = 8;

/**
 * getnameinfo: the service is a UDP one.
 *
 * @example Python's number, on every system
 * ```ts
 * import { NI_DGRAM } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(NI_DGRAM, 16); // socket.NI_DGRAM on Linux
 * ```
 */
export const NI_DGRAM: number = 16;
