import type { FoundPackage } from '../types.js';

/**
 * A cataloger that reads whole files, up to `maxBytes` (larger ones are skipped with a warning).
 * The walker hands a file to `parse` in memory when it is small (ScanLimits.maxBufferedBytes);
 * a larger one goes to `parseFile` as a temp file, or is skipped when the cataloger has none.
 */
export interface FileCataloger {
  name: string;
  maxBytes: number;
  matches(path: string): boolean;
  parse(path: string, body: Buffer): FoundPackage[];
  /** `file`: a temp file holding the `size` bytes, removed once this returns. */
  parseFile?(path: string, file: string, size: number): FoundPackage[];
}

/** A cataloger that scans files as they stream by, never buffering them (Go binaries). */
export interface StreamScanner {
  /** Gets consecutive chunks; returns false once it needs no more of this file. */
  push(chunk: Buffer): boolean;
  finish(): FoundPackage[];
}

export interface StreamCataloger {
  name: string;
  matches(path: string, size: number, mode: number): boolean;
  start(path: string): StreamScanner;
}
