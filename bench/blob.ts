// The big blob: made once per bench run (random, so nothing compresses or dedupes), pushed
// monolithically and in chunks, pulled back. Every byte goes through curl (-T streams the file).
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { curl, expectStatus, withDigest } from './curl.js';

export interface BigBlob {
  file: string;
  size: number;
  digest: string;
  /** The same bytes cut at chunkSize, one file each, with their inclusive byte ranges. */
  chunks: { file: string; start: number; end: number }[];
}

const PIECE = 1 << 20;

export function makeBigBlob(dir: string, size: number, chunkSize: number): BigBlob {
  const file = join(dir, 'blob.bin');
  const hash = createHash('sha256');
  const whole = openSync(file, 'w');
  const chunks: BigBlob['chunks'] = [];
  const buf = Buffer.allocUnsafe(PIECE);
  let chunkFd = -1;
  try {
    for (let off = 0; off < size;) {
      if (off % chunkSize === 0) {
        if (chunkFd >= 0) closeSync(chunkFd);
        const c = { file: join(dir, `chunk-${String(chunks.length).padStart(4, '0')}.bin`), start: off, end: Math.min(off + chunkSize, size) - 1 };
        chunks.push(c);
        chunkFd = openSync(c.file, 'w');
      }
      const n = Math.min(PIECE, size - off, chunkSize - (off % chunkSize));
      const piece = buf.subarray(0, n);
      randomFillSync(piece);
      hash.update(piece);
      writeSync(whole, piece);
      writeSync(chunkFd, piece);
      off += n;
    }
  } finally {
    if (chunkFd >= 0) closeSync(chunkFd);
    closeSync(whole);
  }
  return { file, size, chunks, digest: `sha256:${hash.digest('hex')}` };
}

export interface Transfer {
  /** Sum of curl's time_total over every request of the operation. */
  seconds: number;
  requests: number;
}

const OCTETS = ['-H', 'Content-Type: application/octet-stream'];

async function startUpload(base: string, repo: string): Promise<{ location: string; seconds: number }> {
  const r = await curl(`${base}/v2/${repo}/blobs/uploads/`, ['-X', 'POST', '-H', 'Content-Length: 0']);
  expectStatus(r, 202, `POST ${repo}/blobs/uploads/`);
  if (!r.location) throw new Error(`POST ${repo}/blobs/uploads/ gave no Location`);
  return { location: r.location, seconds: r.seconds };
}

/** POST /blobs/uploads/ then one PUT ?digest= carrying the whole blob. */
export async function pushMonolithic(base: string, repo: string, blob: BigBlob): Promise<Transfer> {
  const start = await startUpload(base, repo);
  const r = await curl(withDigest(start.location, blob.digest), ['-X', 'PUT', '-T', blob.file, ...OCTETS]);
  expectStatus(r, 201, `PUT ${repo} upload (monolithic)`);
  if (r.uploaded !== blob.size) throw new Error(`monolithic push sent ${r.uploaded} of ${blob.size} bytes`);
  return { seconds: start.seconds + r.seconds, requests: 2 };
}

/** POST, one PATCH per chunk with Content-Range (following each new Location), then an empty PUT ?digest=. */
export async function pushChunked(base: string, repo: string, blob: BigBlob): Promise<Transfer> {
  const start = await startUpload(base, repo);
  let location = start.location;
  let seconds = start.seconds;
  for (const c of blob.chunks) {
    const r = await curl(location, ['-X', 'PATCH', '-T', c.file, ...OCTETS, '-H', `Content-Range: ${c.start}-${c.end}`]);
    expectStatus(r, 202, `PATCH ${repo} chunk ${c.start}-${c.end}`);
    if (!r.location) throw new Error(`PATCH ${repo} gave no Location`);
    location = r.location;
    seconds += r.seconds;
  }
  const r = await curl(withDigest(location, blob.digest), ['-X', 'PUT', '-H', 'Content-Length: 0', ...OCTETS]);
  expectStatus(r, 201, `PUT ${repo} upload (close chunked)`);
  return { seconds: seconds + r.seconds, requests: blob.chunks.length + 2 };
}

/** GET the blob into /dev/null. */
export async function pullBlob(base: string, repo: string, blob: BigBlob): Promise<Transfer> {
  const r = await curl(`${base}/v2/${repo}/blobs/${blob.digest}`, []);
  expectStatus(r, 200, `GET ${repo} blob`);
  if (r.downloaded !== blob.size) throw new Error(`pull got ${r.downloaded} of ${blob.size} bytes`);
  return { seconds: r.seconds, requests: 1 };
}

/** Untimed: streams the blob through sha256 to prove the registry stored the right bytes. */
export async function verifyBlob(base: string, repo: string, blob: BigBlob): Promise<void> {
  const url = `${base}/v2/${repo}/blobs/${blob.digest}`;
  const hash = createHash('sha256');
  let size = 0;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail', '--noproxy', '*', '--max-time', '120', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (b: Buffer) => { hash.update(b); size += b.length; });
    child.once('error', reject);
    child.once('close', resolve);
  });
  const actual = `sha256:${hash.digest('hex')}`;
  if (code !== 0 || size !== blob.size || actual !== blob.digest) {
    throw new Error(`blob read back from ${url} is wrong: curl exit ${code}, ${size} bytes, ${actual}`);
  }
}
