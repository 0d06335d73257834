import type { FoundPackage } from '../types.js';

/** A cataloger that reads whole (small) files: the walker buffers a matching file up to `maxBytes`. */
export interface FileCataloger {
  name: string;
  maxBytes: number;
  matches(path: string): boolean;
  parse(path: string, body: Buffer): FoundPackage[];
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
