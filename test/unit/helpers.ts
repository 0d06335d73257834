// Small helpers shared by the unit suites (not a test file itself).
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import { HarborError, type ErrorCode } from '../../src/core/errors.js';

/** Awaits `p` (or calls `fn`), expects a HarborError with `code`, and returns it for more checks. */
export async function expectHarborError(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<HarborError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a HarborError ${code}`).toBeInstanceOf(HarborError);
  expect((caught as HarborError).code).toBe(code);
  return caught as HarborError;
}

/** Synchronous variant for pure functions. */
export function catchHarborError(fn: () => unknown, code: ErrorCode): HarborError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a HarborError ${code}`).toBeInstanceOf(HarborError);
  expect((caught as HarborError).code).toBe(code);
  return caught as HarborError;
}

export function buf(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** An async source yielding each part in turn, with a turn of the event loop between parts. */
export async function* source(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    await new Promise((r) => setImmediate(r));
    yield typeof p === 'string' ? buf(p) : p;
  }
}

/** A source that yields `parts` and then fails, as a client that disconnects mid-chunk. */
export async function* failingSource(...parts: string[]): AsyncGenerator<Uint8Array> {
  yield* source(...parts);
  throw new Error('client went away');
}

export async function readAll(r: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(out);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
