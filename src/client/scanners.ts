// Scanner registrations (/scanners, swagger tag "scanner") and vulnerability scans of artifacts
// (POST …/scan, scan_overview), as any Harbor 2.x answers them. A registration is named by its uuid
// or its name.
import { HarborError } from '../core/errors.js';
import { getArtifact, artifactsPath } from './artifacts.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';
import type { Artifact } from './types.js';

/** swagger definitions.ScannerRegistration (the fields we show). */
export interface ScannerRegistration {
  uuid: string; name: string; description?: string; url: string; disabled?: boolean; is_default?: boolean; auth?: string;
  skip_certVerify?: boolean; health?: string; adapter?: string; vendor?: string; version?: string; create_time?: string;
}

export interface ScannerInput { name: string; url: string; description?: string; auth?: string; access_credential?: string; skip_certVerify?: boolean }

export function listScanners(c: HarborClient, page?: PageOptions): Promise<ListResult<ScannerRegistration>> {
  return c.list<ScannerRegistration>('/scanners', {}, page);
}

/** By uuid, else by exact name. */
export async function findScanner(c: HarborClient, ref: string): Promise<ScannerRegistration> {
  const all = await c.list<ScannerRegistration>('/scanners', {}, { pageSize: 0 });
  const found = all.items.find((r) => r.uuid === ref) ?? all.items.find((r) => r.name === ref);
  if (!found) throw new HarborError('NOT_FOUND', `scanner ${ref} not found`);
  return found;
}

/** Registers an adapter; its uuid (from Location). */
export async function createScanner(c: HarborClient, input: ScannerInput): Promise<string> {
  const r = await c.request('POST', '/scanners', { body: input });
  const uuid = (r.headers.location ?? '').split('/').pop();
  if (!uuid) throw new HarborError('INTERNAL_SERVER_ERROR', `${c.server} created the scanner but named no Location`);
  return uuid;
}

export async function setDefaultScanner(c: HarborClient, uuid: string): Promise<void> {
  await c.request('PATCH', `/scanners/${seg(uuid)}`, { body: { is_default: true } });
}

export async function deleteScanner(c: HarborClient, uuid: string): Promise<void> {
  await c.request('DELETE', `/scanners/${seg(uuid)}`);
}

/** Asks for a vulnerability scan (202). */
export async function scanArtifact(c: HarborClient, project: string, repo: string, reference: string): Promise<void> {
  try {
    await c.request('POST', `${artifactsPath(project, repo)}/${seg(reference)}/scan`, { body: { scan_type: 'vulnerability' } });
  } catch (e) {
    throw notFound(e, `artifact ${project}/${repo}${reference.includes(':') ? '@' : ':'}${reference} not found`);
  }
}

/** The artifact with its scan_overview. */
export function getScannedArtifact(c: HarborClient, project: string, repo: string, reference: string): Promise<Artifact> {
  return getArtifact(c, project, repo, reference, { with_scan_overview: true });
}
