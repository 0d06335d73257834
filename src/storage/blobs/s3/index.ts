// S3 blob store (any S3-compatible server; tested against Ceph radosgw). The whole layout, under
// the bucket's optional prefix P:
//
//   P/blobs/<algorithm>/<first two hex>/<hex>        committed blob, named by its digest
//   P/_uploads/<id>/info                             marker: the upload exists (empty object)
//   P/_uploads/<id>/chunk-<offset, 16 digits>        the bytes of one append, starting at that offset
//
// Uploads keep ALL their state in the bucket, so any replica resumes any upload: the size is the
// sum of the chunk objects (listed in key order, which is offset order), and a chunk becomes
// visible only once its PUT (or its own multipart upload, for chunks over one part) completed, so a
// failed append leaves nothing. Appends may be any size, from 1 byte up.
//
// Commit: verify the digest, then assemble the chunks into P/blobs/... with one multipart upload,
// which S3 makes visible atomically (a wrong digest leaves nothing visible). S3's rules are every
// part but the last at least 5 MiB, at most 10,000 parts, at most 5 GiB a part. The assembly walks
// the chunks as byte ranges and cuts parts of `target` = max(5 MiB, size / 9,999) bytes: a run of
// chunks at least `target` long becomes server-side UploadPartCopy parts (no bytes pass through
// us), and small chunks are gathered, streamed through this process one GetObject after another,
// into one UploadPart of exactly `target` bytes. One chunk of at most 5 GiB is a plain CopyObject.
//
// Digest: node:crypto cannot carry a SHA-256 state between processes, so (a) the process that saw
// every byte in order keeps the running hash in memory (keyed by upload id, bounded) and commits
// without reading anything back; any other replica (or a sha512 commit) re-reads the chunks from
// the bucket and hashes them. We chose this over a serializable pure-JS SHA-256 kept in chunk
// metadata: clients push a layer in one request or in sequential PATCHes to one connection, so the
// fast path is the common case, and native hashing is several times faster than JS.
//
// Memory: chunks stream to S3 through lib-storage (at most PART_SIZE × QUEUE bytes buffered per
// append), reads and re-hashes stream, nothing holds a whole blob.
//
// Cross-replica concurrency: operations on one upload are serialized within a process; across
// replicas the registry service lets only the request that claimed the session in the database
// append (services/upload-writer.ts), so two replicas never PUT the same chunk key at once.
// Multipart uploads of a process killed mid-append stay as incomplete uploads: the README
// recommends a bucket lifecycle rule (AbortIncompleteMultipartUpload) as for Distribution's driver.
import { Readable } from 'node:stream';
import type { Hash } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
  UploadPartCommand, UploadPartCopyCommand, type CompletedPart, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { HarborError } from '../../../core/errors.js';
import { bodyScavenger } from '../../../core/scavenge.js';
import { newHash, parseDigest, tryParseDigest, type DigestAlgorithm, type ParsedDigest } from '../../../oci/digest.js';
import { KeyedSerializer } from '../serial.js';
import { staleChunk, type BlobStore, type ByteRange } from '../types.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  /** Blob GETs answer 307 to a presigned URL of the object (Distribution's S3 driver can, too). */
  redirect?: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** How long a redirect's presigned URL stays valid: 20 minutes, as Distribution's S3 driver. */
const REDIRECT_TTL_SEC = 20 * 60;

const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_PART = 5 * 1024 * 1024;
const MAX_PART = 5 * 1024 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** lib-storage's part size and parallel parts for one append: at most 16 MiB buffered. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE = 2;
/** Running hashes kept in memory; the oldest is dropped beyond this (its commit re-reads instead). */
const MAX_HASHES = 1024;

interface Chunk { key: string; offset: number; size: number }
interface Segment { key: string; start: number; length: number }

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly endpoint: string | undefined;
  private readonly root: string;
  private readonly hashes = new Map<string, { hash: Hash; offset: number }>();
  private readonly serial = new KeyedSerializer();
  private readonly redirect: boolean;

  constructor(opts: S3BlobStoreOptions, clientConfig: Partial<S3ClientConfig> = {}) {
    this.bucket = opts.bucket;
    this.redirect = opts.redirect ?? false;
    this.endpoint = opts.endpoint;
    this.root = opts.prefix ? `${opts.prefix}/` : '';
    // The pinned SDK runs on Node 20; its notice that later releases will not is for whoever upgrades
    // the dependency, not for the registry's operator on every start (set the variable to see it).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.pathStyle,
      credentials: opts.credentials,
      // The SDK's default CRC32 trailers are not understood by every S3-compatible server (radosgw 16).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...clientConfig,
    });
  }

  /** Checks that the bucket answers with these credentials (serve fails early instead of on the first push). */
  async init(): Promise<void> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, MaxKeys: 1 }));
    } catch (e) {
      const err = e as Error;
      // The SDK's words (NoSuchBucket, SignatureDoesNotMatch, ECONNREFUSED...): never the credentials.
      throw new HarborError('UNREACHABLE', `S3 storage: bucket ${JSON.stringify(this.bucket)}${this.endpoint ? ` at ${this.endpoint}` : ''} cannot be listed: ${err.name}: ${err.message}`);
    }
  }

  close(): void {
    this.client.destroy();
  }

  private blobKey(d: ParsedDigest): string {
    return `${this.root}blobs/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}`;
  }

  private uploadPrefix(id: string): string {
    if (!UPLOAD_ID.test(id)) throw new HarborError('BLOB_UPLOAD_UNKNOWN', 'upload unknown', { detail: { id: id.slice(0, 80) } });
    return `${this.root}_uploads/${id}/`;
  }


  private async head(key: string): Promise<number | null> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Every key (with its size) under `prefix`, in key order, page by page. */
  private async *keys(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(digest: string): Promise<number | null> {
    return this.head(this.blobKey(parseDigest(digest)));
  }

  /** With `redirect`: a presigned GET of the blob's object (signed here, no request to S3). */
  async redirectUrl(digest: string): Promise<string | null> {
    if (!this.redirect) return null;
    const key = this.blobKey(parseDigest(digest));
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: REDIRECT_TTL_SEC });
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    const key = this.blobKey(parseDigest(digest));
    if (range && range.end < range.start) {
      // The empty range of an empty blob: S3 has no Range for it.
      if ((await this.head(key)) === null) throw new HarborError('BLOB_UNKNOWN', undefined, { detail: { digest } });
      return Readable.from([]);
    }
    try {
      const res = await this.client.send(new GetObjectCommand({
        Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }));
      return res.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new HarborError('BLOB_UNKNOWN', undefined, { detail: { digest } });
      throw e;
    }
  }

  async delete(digest: string): Promise<boolean> {
    const key = this.blobKey(parseDigest(digest));
    if ((await this.head(key)) === null) return false;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    return true;
  }

  async *list(): AsyncIterable<string> {
    const top = `${this.root}blobs/`;
    for await (const { key } of this.keys(top)) {
      const m = /^(sha256|sha512)\/([0-9a-f]{2})\/([0-9a-f]+)$/.exec(key.slice(top.length));
      if (m && m[3].startsWith(m[2]) && tryParseDigest(`${m[1]}:${m[3]}`)) yield `${m[1]}:${m[3]}`;
    }
  }

  async createUpload(id: string): Promise<void> {
    const key = `${this.uploadPrefix(id)}info`;
    if ((await this.head(key)) !== null) throw new HarborError('BLOB_UPLOAD_INVALID', 'upload id already in use', { detail: { id } });
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: '', ContentLength: 0, IfNoneMatch: '*' }));
    this.remember(id, newHash('sha256'), 0);
  }

  /** The upload's chunks in offset order, or null when the upload does not exist. */
  private async chunks(id: string): Promise<{ chunks: Chunk[]; size: number } | null> {
    const prefix = this.uploadPrefix(id);
    const chunks: Chunk[] = [];
    let exists = false;
    let size = 0;
    for await (const { key, size: n } of this.keys(prefix)) {
      const name = key.slice(prefix.length);
      if (name === 'info') { exists = true; continue; }
      const m = /^chunk-(\d{16})$/.exec(name);
      if (!m) continue;
      const offset = Number(m[1]);
      // Chunks are written in order at the running size: a gap or an overlap means two writers raced.
      if (offset !== size) throw new Error(`upload ${id}: chunk at ${offset} where ${size} bytes were expected`);
      chunks.push({ key, offset, size: n });
      size += n;
    }
    return exists ? { chunks, size } : null;
  }

  private async existing(id: string): Promise<{ chunks: Chunk[]; size: number }> {
    const st = await this.chunks(id);
    if (!st) throw new HarborError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { id } });
    return st;
  }

  async uploadSize(id: string): Promise<number | null> {
    if (!UPLOAD_ID.test(id)) return null;
    return (await this.chunks(id))?.size ?? null;
  }

  private remember(id: string, hash: Hash, offset: number): void {
    this.hashes.delete(id);
    this.hashes.set(id, { hash, offset });
    if (this.hashes.size > MAX_HASHES) this.hashes.delete(this.hashes.keys().next().value as string);
  }

  append(id: string, source: AsyncIterable<Uint8Array>, offset: number, length?: number): Promise<number> {
    return this.serial.run(id, async () => {
      const { size } = await this.existing(id);
      if (offset !== size) {
        throw staleChunk(offset, size);
      }
      // A copy of the running hash, only when this process saw every byte so far.
      const known = this.hashes.get(id);
      const hash = known && known.offset === size ? known.hash.copy() : undefined;
      let written = 0;
      let failure: unknown;
      const it = source[Symbol.asyncIterator]();
      async function next(): Promise<Uint8Array | undefined> {
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) {
              if (length !== undefined && written !== length) {
                throw new HarborError('SIZE_INVALID', `body has ${written} bytes but ${length} were declared`);
              }
              return undefined;
            }
            const chunk = r.value;
            if (chunk.length === 0) continue;
            if (length !== undefined && written + chunk.length > length) {
              throw new HarborError('SIZE_INVALID', `body is longer than the declared length ${length}`);
            }
            hash?.update(chunk);
            written += chunk.length;
            bodyScavenger.taken(chunk.length);
            return chunk;
          }
        } catch (e) {
          failure = e;
          throw e;
        }
      }
      const first = await next();
      if (first === undefined) return size; // nothing to write: no empty chunk object
      const body = Readable.from((async function* () {
        yield first;
        for (let c = await next(); c !== undefined; c = await next()) yield c;
      })(), { objectMode: false });
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: `${this.uploadPrefix(id)}chunk-${String(size).padStart(16, '0')}`, Body: body },
        partSize: PART_SIZE,
        queueSize: QUEUE,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (e) {
        // The source's own error (a client that left, a wrong length) is the one to report.
        throw failure ?? e;
      }
      if (hash) this.remember(id, hash, size + written);
      else this.hashes.delete(id);
      return size + written;
    });
  }

  commit(id: string, digest: string): Promise<number> {
    return this.serial.run(id, async () => {
      const d = parseDigest(digest);
      const { chunks, size } = await this.existing(id);
      const actual = `${d.algorithm}:${await this.hashOf(id, chunks, size, d.algorithm)}`;
      if (actual !== digest) {
        throw new HarborError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected: digest, actual } });
      }
      const target = this.blobKey(d);
      if ((await this.head(target)) === null) await this.assemble(chunks, size, target);
      await this.removeUpload(id);
      return size;
    });
  }

  /** Hex digest of the upload: the running hash when this process saw it all, else re-read from the bucket. */
  private async hashOf(id: string, chunks: Chunk[], size: number, algorithm: DigestAlgorithm): Promise<string> {
    const known = this.hashes.get(id);
    if (algorithm === 'sha256' && known && known.offset === size) return known.hash.copy().digest('hex');
    const hash = newHash(algorithm);
    for (const c of chunks) {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: c.key }));
      for await (const b of res.Body as Readable) hash.update(b as Buffer);
    }
    return hash.digest('hex');
  }

  private copySource(key: string): string {
    return `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Writes the chunks, in order, as one object at `target` (see the header for the part plan). */
  private async assemble(chunks: Chunk[], size: number, target: string): Promise<void> {
    if (size === 0) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: target, Body: '', ContentLength: 0 }));
      return;
    }
    if (chunks.length === 1 && size <= MAX_PART) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: this.copySource(chunks[0].key) }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target }));
    try {
      const parts: CompletedPart[] = [];
      for (const part of planParts(chunks, size)) {
        const PartNumber = parts.length + 1;
        if (part.length === 1) {
          const s = part[0];
          const res = await this.client.send(new UploadPartCopyCommand({
            Bucket: this.bucket, Key: target, UploadId, PartNumber,
            CopySource: this.copySource(s.key), CopySourceRange: `bytes=${s.start}-${s.start + s.length - 1}`,
          }));
          parts.push({ PartNumber, ETag: res.CopyPartResult?.ETag });
        } else {
          const res = await this.client.send(new UploadPartCommand({
            Bucket: this.bucket, Key: target, UploadId, PartNumber,
            Body: this.segmentsStream(part), ContentLength: part.reduce((n, s) => n + s.length, 0),
          }));
          parts.push({ PartNumber, ETag: res.ETag });
        }
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  /** The bytes of several chunk ranges, one GetObject after another. */
  private segmentsStream(segments: Segment[]): Readable {
    const { client, bucket } = this;
    return Readable.from((async function* () {
      for (const s of segments) {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: s.key, Range: `bytes=${s.start}-${s.start + s.length - 1}` }));
        yield* (res.Body as Readable);
      }
    })(), { objectMode: false });
  }

  private async removeUpload(id: string): Promise<void> {
    this.hashes.delete(id);
    const keys: string[] = [];
    for await (const { key } of this.keys(this.uploadPrefix(id))) keys.push(key);
    // The marker goes last: a crash half-way leaves an upload that still lists and can be cancelled.
    keys.sort((a, b) => Number(a.endsWith('/info')) - Number(b.endsWith('/info')));
    for (const key of keys) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  truncateUpload(id: string, size: number): Promise<void> {
    return this.serial.run(id, async () => {
      const prefix = this.uploadPrefix(id);
      for await (const { key } of this.keys(prefix)) {
        const m = /^chunk-(\d{16})$/.exec(key.slice(prefix.length));
        if (m && Number(m[1]) >= size) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      }
      if ((this.hashes.get(id)?.offset ?? 0) > size) this.hashes.delete(id);
    });
  }

  cancelUpload(id: string): Promise<void> {
    return this.serial.run(id, () => this.removeUpload(id));
  }

  async listUploads(): Promise<string[]> {
    const prefix = `${this.root}_uploads/`;
    const ids = new Set<string>();
    for await (const { key } of this.keys(prefix)) {
      const id = key.slice(prefix.length).split('/')[0];
      if (UPLOAD_ID.test(id)) ids.add(id);
    }
    return [...ids];
  }
}

/**
 * Cuts the chunks (as byte ranges) into multipart parts: each part but the last is at least
 * `target` bytes, and none is over 5 GiB. A part of one segment is copied server-side; a part of
 * several is streamed. Exported for its unit test.
 */
export function planParts(chunks: { key: string; size: number }[], size: number): Segment[][] {
  const target = Math.max(MIN_PART, Math.ceil(size / (MAX_PARTS - 1)));
  const parts: Segment[][] = [];
  let pending: Segment[] = [];
  let pendingSize = 0;
  for (const c of chunks) {
    let pos = 0;
    while (pos < c.size) {
      const left = c.size - pos;
      if (pendingSize === 0 && left >= target) {
        // A long run of one chunk: copied in pieces of at most 5 GiB, each at least `target`.
        const length = Math.ceil(left / Math.ceil(left / MAX_PART));
        parts.push([{ key: c.key, start: pos, length }]);
        pos += length;
        continue;
      }
      const length = Math.min(left, target - pendingSize);
      pending.push({ key: c.key, start: pos, length });
      pendingSize += length;
      pos += length;
      if (pendingSize === target) {
        parts.push(pending);
        pending = [];
        pendingSize = 0;
      }
    }
  }
  if (pending.length) parts.push(pending);
  return parts;
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
}
