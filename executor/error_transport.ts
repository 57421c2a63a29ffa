/**
 * Errors across the worker boundary. Structured clone keeps only built-in
 * error names and loses custom names, extra properties and (on Bun)
 * `cause`, so errors travel as plain records and are rebuilt on arrival.
 *
 * @module
 */
import {
  CancelledError,
  InvalidStateError,
  RuntimeError,
  TimeoutError,
} from "../internal/errors.ts";
import { BrokenExecutorError } from "./broken_executor_error.ts";

/** An error as it travels: a plain, cloneable record. */
export interface PackedError {
  /** The error's `name`. */
  name: string;
  /** The error's `message`. */
  message: string;
  /** The stack as the worker saw it. */
  stack?: string;
  /** The packed `cause`, if the error had one. */
  cause?: Packed;
  /** `AggregateError.errors`, packed. */
  errors?: Packed[];
  /**
   * Own enumerable properties (`code`, `detail`, …), as clones; one that
   * cannot be cloned (a function) stays behind.
   */
  props?: Record<string, unknown>;
}

/** A thrown value as it travels: an error record, or any other value. */
export type Packed = { error: PackedError } | { value: unknown };

type ErrorClass = new (message: string) => Error;

/** Errors rebuilt with their own class, so `instanceof` works on arrival. */
const CLASSES: Record<string, ErrorClass> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  CancelledError,
  InvalidStateError,
  RuntimeError,
  TimeoutError,
  BrokenExecutorError,
};

/**
 * Packs a thrown value for the trip (on the worker side): an error as a
 * record, with its causes and aggregated errors (8 levels deep at most);
 * any other value as itself, or as a string if it cannot be cloned.
 *
 * Self-contained (it uses only globals): workers run it from its source.
 */
export function packThrown(thrown: unknown): Packed {
  const isPrimitive = (value: unknown) =>
    value === null ||
    (typeof value !== "object" && typeof value !== "function" &&
      typeof value !== "symbol");
  const pack = (value: unknown, depth: number): Packed => {
    if (!(value instanceof Error)) {
      if (isPrimitive(value)) return { value };
      try {
        return { value: structuredClone(value) };
      } catch {
        return { value: String(value) };
      }
    }
    const packed: PackedError = {
      name: String(value.name),
      message: String(value.message),
      stack: typeof value.stack === "string" ? value.stack : undefined,
    };
    if (depth < 8) {
      if (value.cause !== undefined) {
        packed.cause = pack(value.cause, depth + 1);
      }
      if (value instanceof AggregateError) {
        packed.errors = [...value.errors].map((e) => pack(e, depth + 1));
      }
    }
    const props: [string, unknown][] = [];
    for (const [key, prop] of Object.entries(value)) {
      if (key === "name" || key === "message") continue;
      if (isPrimitive(prop)) props.push([key, prop]);
      else {
        try {
          props.push([key, structuredClone(prop)]);
        } catch {
          // A function, or an object holding one, cannot cross.
        }
      }
    }
    if (props.length > 0) packed.props = Object.fromEntries(props);
    return { error: packed };
  };
  return pack(thrown, 0);
}

/** Rebuilds a thrown value from its record (on the host side). */
export function unpackThrown(packed: Packed): unknown {
  if (!("error" in packed)) return packed.value;
  const { name, message, stack, cause, errors, props } = packed.error;
  const error = errors === undefined
    ? new (CLASSES[name] ?? Error)(message)
    : new AggregateError(errors.map(unpackThrown), message);
  if (error.name !== name) error.name = name;
  if (stack !== undefined) error.stack = stack;
  if (cause !== undefined) error.cause = unpackThrown(cause);
  if (props !== undefined) Object.assign(error, props);
  return error;
}
