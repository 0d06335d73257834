// The scan in a worker thread (issue 13.1): decompression, tar reading and cataloging are CPU work
// that would otherwise hold the registry's event loop for seconds per layer. The worker pulls each
// layer's stored bytes from the thread that owns the blob store, one chunk per request, so neither
// side buffers more than a chunk, and it runs under a heap limit of its own.
//
// scanInWorker() is the caller's side; the rest of this file is the worker's side, run when this
// module is the worker's entry.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ERROR_CODES, HarborError, type ErrorCode } from '../core/errors.js';
import type { ImageSubject, Inventory } from './types.js';
import { scanLayers, type LayerSource, type ScanLimits } from './walker.js';

/** The worker's V8 heap cap; file bodies it holds are capped separately (ScanLimits.maxBufferedBytes). */
export const WORKER_HEAP_MIB = 128;

interface Job { harborctlSbomScan: true; layers: { digest: string; mediaType?: string }[]; subject: ImageSubject; limits: Partial<ScanLimits> }

type ToWorker = { layer: number; chunk?: Uint8Array; end?: true; error?: string };
type FromWorker = { pull: number } | { inventory: Inventory } | { failed: { code?: ErrorCode; message: string } };

/** The file a scan worker starts from: this module's own, built (tsc's .js or the bundle's .cjs); null from the TypeScript sources. */
export function workerEntry(): URL | null {
  const entry = new URL(import.meta.url);
  return /\.c?js$/.test(entry.pathname) && existsSync(fileURLToPath(entry)) ? entry : null;
}

/**
 * scanLayers() in a worker thread. When this module runs from the TypeScript sources (the test
 * runner), there is no JavaScript file to start a worker from, and the scan runs in this thread.
 */
export async function scanInWorker(layers: readonly LayerSource[], subject: ImageSubject, limits: Partial<ScanLimits> = {}): Promise<Inventory> {
  const entry = workerEntry();
  if (!entry) return scanLayers(layers, subject, { limits });
  const job: Job = { harborctlSbomScan: true, layers: layers.map((l) => ({ digest: l.digest, ...(l.mediaType ? { mediaType: l.mediaType } : {}) })), subject, limits };
  const worker = new Worker(entry, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MIB } });
  const open = new Map<number, AsyncIterator<Uint8Array>>();
  const send = (m: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(m, transfer);
  const pull = async (layer: number): Promise<void> => {
    try {
      const source = layers[layer];
      if (!source) throw new Error(`no layer ${layer}`);
      let it = open.get(layer);
      if (!it) open.set(layer, it = source.open()[Symbol.asyncIterator]());
      const r = await it.next();
      if (r.done) return send({ layer, end: true });
      // A copy the worker owns: stream chunks may be views on a shared pool.
      const chunk = new Uint8Array(r.value);
      send({ layer, chunk }, [chunk.buffer]);
    } catch (e) {
      send({ layer, error: e instanceof Error ? e.message : String(e) });
    }
  };
  try {
    return await new Promise<Inventory>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if ('pull' in m) void pull(m.pull);
        else if ('inventory' in m) resolve(m.inventory);
        else reject(m.failed.code && m.failed.code in ERROR_CODES ? new HarborError(m.failed.code, m.failed.message) : new Error(m.failed.message));
      });
      worker.on('error', (e: Error & { code?: string }) => {
        reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new HarborError('SBOM_FAILED', `the scan went over its memory limit (${WORKER_HEAP_MIB} MiB of heap): no SBOM was made`)
          : e);
      });
      worker.on('exit', (code) => reject(new Error(`the SBOM scan worker exited (code ${code}) before it finished`)));
    });
  } finally {
    await worker.terminate();
    for (const it of open.values()) await it.return?.();
  }
}

/** The worker's side: each layer is a stream of chunks asked for one at a time. */
function runWorker(job: Job): void {
  const port = parentPort!;
  const waiting = new Map<number, (m: ToWorker) => void>();
  port.on('message', (m: ToWorker) => {
    const w = waiting.get(m.layer);
    waiting.delete(m.layer);
    w?.(m);
  });
  const post = (m: FromWorker): void => port.postMessage(m);
  const stream = (layer: number): AsyncIterable<Uint8Array> => ({
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const m = await new Promise<ToWorker>((resolve) => { waiting.set(layer, resolve); post({ pull: layer }); });
        if (m.error !== undefined) throw new Error(`reading layer ${job.layers[layer]!.digest}: ${m.error}`);
        if (m.end) return;
        yield m.chunk!;
      }
    },
  });
  const layers: LayerSource[] = job.layers.map((l, i) => ({ ...l, open: () => stream(i) }));
  scanLayers(layers, job.subject, { limits: job.limits }).then(
    (inventory) => post({ inventory }),
    (e: unknown) => post({ failed: { ...(e instanceof HarborError ? { code: e.code } : {}), message: e instanceof Error ? e.message : String(e) } }),
  );
}

if (!isMainThread && parentPort && (workerData as Partial<Job> | null)?.harborctlSbomScan === true) runWorker(workerData as Job);
