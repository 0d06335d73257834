// doctor --pull IMAGE: a real pull through containerd (`ctr images pull --hosts-dir`, in a temporary
// namespace that is removed afterwards), then the proof from the mirror's own audit log that the
// pull reached it: a `pull` record of the repository the mirror should serve, newer than any before
// the pull. The audit log is read with the CLI's login for the mirror (harborctl login MIRROR): the
// extended log where Harbor 2.13 (and harborctl serve) records pulls, or the legacy log of an older
// Harbor, chosen by the first read and kept for the later ones.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { HarborError, isHarborError } from '../../../core/errors.js';
import { listAuditLogExts, listAuditLogs, listCurrentAuditLogs, type AuditLog } from '../../../client/auditlogs.js';
import type { HarborClient } from '../../../client/http.js';
import { parseImageRef, pullRecords, pullRoute, type PullRoute } from '../../../mirror/pull-proof.js';
import type { Runtime } from '../../runtime.js';

export interface PullCheckOptions {
  image: string;
  certsDir: string;
  /** containerd's gRPC socket. */
  address: string;
  /** The ctr binary. */
  ctr: string;
  /** How long to wait for the audit record (writes may be batched); default 3 s. */
  waitMs?: number;
}

export interface PullProof {
  image: string;
  mirror: string;
  repository: string;
  namespace: string;
  /** The audit records of this pull (empty when it did not reach the mirror). */
  records: AuditLog[];
  ok: boolean;
  message: string;
}

interface Ran { code: number | null; stdout: string; stderr: string }

function runCtr(ctr: string, args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctr, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT'
      ? new HarborError('USAGE', `${ctr} not found: doctor --pull runs containerd's ctr; install it or pass --ctr PATH`)
      : e));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tail = (s: string): string => s.trim().split('\n').slice(-5).join('\n');

/** The audit log's reader: the CLI's login for the mirror, trusting the hosts.toml's CA when the login names none. */
function clientFor(rt: Runtime, route: PullRoute): HarborClient {
  const host = new URL(route.server).host;
  let t;
  try {
    t = rt.target({ host });
  } catch (e) {
    if (!isHarborError(e) || e.code !== 'USAGE') throw e;
    t = undefined;
  }
  if (!t || new URL(t.server).host !== host || !t.username) {
    throw new HarborError('UNAUTHORIZED', `doctor --pull proves the pull from ${route.server}'s audit log, and no login for it was found: run harborctl login ${route.server} -u USER (a user who may read project ${route.project}'s logs), then try again`);
  }
  const ca = t.caFile ?? [route.host.ca].flat().filter((x): x is string => typeof x === 'string')
    .map((f) => (isAbsolute(f) ? f : join(dirname(route.hostsFile), f))).find((f) => existsSync(f));
  return rt.client({ ...t, server: route.server, caFile: ca });
}

/** The pulls of the repository in the mirror's log (legacy undefined: whichever it records them in now) and which log that was. */
async function readLogs(c: HarborClient, route: PullRoute, legacy?: boolean): Promise<{ items: AuditLog[]; legacy: boolean }> {
  // Newest first (Harbor's order): the first page holds every record of a pull just made.
  const f = { project: route.project, operation: 'pull', resource: route.repository };
  const page = { page: 1, pageSize: 100 };
  try {
    if (legacy === undefined) return await listCurrentAuditLogs(c, f, page);
    return { items: (await (legacy ? listAuditLogs(c, f, page) : listAuditLogExts(c, f, page))).items, legacy };
  } catch (e) {
    if (!isHarborError(e)) throw e;
    // A 404 of the current log is the legacy log's (listCurrentAuditLogs); anything else, the first log asked.
    const what = `GET ${route.server}/api/v2.0/projects/${route.project}/${legacy === true || (legacy === undefined && e.code === 'NOT_FOUND') ? 'logs' : 'auditlog-exts'}`;
    if (e.code === 'NOT_FOUND') throw new HarborError('MIRROR_CHECK_FAILED', `${what} answered 404: project ${route.project} does not exist on the mirror, or the mirror keeps no audit log (doctor --pull needs Harbor's audit log API)`);
    if (e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN') throw new HarborError(e.code, `${what}: ${e.message}: log in as a user who may read project ${route.project}'s logs (harborctl login ${route.server})`);
    throw e;
  }
}

export async function provePull(rt: Runtime, o: PullCheckOptions): Promise<PullProof> {
  const ref = parseImageRef(o.image);
  const route = pullRoute(o.certsDir, ref);
  const client = clientFor(rt, route);
  try {
    // Read first: a missing login or audit log fails before anything is pulled.
    const before = await readLogs(client, route);
    const afterId = before.items.reduce((m, l) => Math.max(m, l.id), 0);

    const namespace = `harborctl-doctor-${randomBytes(4).toString('hex')}`;
    const base = ['--address', o.address, '--namespace', namespace];
    rt.info(`pulling ${ref.full} through containerd (${o.address}, namespace ${namespace}) with --hosts-dir ${o.certsDir}`);
    const pull = await runCtr(o.ctr, [...base, 'images', 'pull', '--hosts-dir', o.certsDir, ref.full]);
    // Leave nothing behind: the image, then the (now empty) namespace.
    const rm = await runCtr(o.ctr, [...base, 'images', 'rm', '--sync', ref.full]);
    if (pull.code === 0 && rm.code !== 0) rt.warn(`could not remove ${ref.full} from namespace ${namespace}: ${tail(rm.stderr)}`);
    const ns = await runCtr(o.ctr, ['--address', o.address, 'namespaces', 'rm', namespace]);
    if (ns.code !== 0 && pull.code === 0) rt.warn(`could not remove containerd namespace ${namespace}: ${tail(ns.stderr)}`);
    const result = { image: ref.full, mirror: route.server, repository: route.repository, namespace };
    if (pull.code !== 0) {
      return { ...result, records: [], ok: false, message: `ctr could not pull ${ref.full} (exit ${pull.code}): ${tail(pull.stderr || pull.stdout)}` };
    }

    const waitMs = o.waitMs ?? 3000;
    let records: AuditLog[] = [];
    for (let waited = 0; ; waited += 200) {
      records = pullRecords((await readLogs(client, route, before.legacy)).items, route.repository, afterId) as AuditLog[];
      if (records.length > 0 || waited >= waitMs) break;
      await sleep(200); // audit records may be written in batches
    }
    if (records.length > 0) {
      const r = records[0];
      return { ...result, records, ok: true, message: `the pull of ${ref.full} went through the mirror: ${route.server} recorded "${r.operation} ${r.resource}" (audit log #${r.id}, user ${r.username || 'anonymous'}, ${r.op_time})` };
    }
    return {
      ...result, records, ok: false,
      message: `ctr pulled ${ref.full}, but ${route.server} recorded no pull of ${route.repository}: containerd went around the mirror (it falls back to the upstream without a word). ` +
        `Run doctor without --pull for the configuration's problems. If this node already had every part of the image, containerd fetched nothing; pull a tag it does not have.`,
    };
  } finally {
    await client.close();
  }
}
