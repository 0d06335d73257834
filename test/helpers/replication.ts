// Replication test helpers: registries and policies through the API, an execution waited on by
// polling its status (never a sleep-and-assert), and an image with an index, children and an
// accessory to replicate.
import { expect } from 'vitest';
import { api, type Creds } from './api.js';
import { digestOf, manifestBytes, MT, pushBlob, pushImage, pushManifest, type Descriptor } from './oci.js';

export async function createRegistry(base: string, name: string, url: string, type: string, cred?: { username: string; password: string }): Promise<number> {
  const r = await api(base, 'POST', '/registries', {
    body: { name, type, url, insecure: true, ...(cred ? { credential: { type: 'basic', access_key: cred.username, access_secret: cred.password } } : {}) },
  });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

export async function createPolicy(base: string, body: Record<string, unknown>, as?: Creds): Promise<number> {
  const r = await api(base, 'POST', '/replication/policies', { body: { enabled: true, ...body }, as });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

export async function startExecution(base: string, policyId: number): Promise<number> {
  const r = await api(base, 'POST', '/replication/executions', { body: { policy_id: policyId } });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

/** Polls an execution until it is no longer InProgress; returns it with its tasks. */
export async function waitExecution(base: string, id: number): Promise<{ execution: Record<string, any>; tasks: Record<string, any>[] }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (;;) {
    const r = await api(base, 'GET', `/replication/executions/${id}`);
    expect(r.status, r.text).toBe(200);
    if (r.body.status !== 'InProgress') {
      const t = await api(base, 'GET', `/replication/executions/${id}/tasks?page_size=100`);
      return { execution: r.body, tasks: t.body };
    }
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Polls the executions of a policy until there are `n`, all ended; returns them newest first. */
export async function waitExecutions(base: string, policyId: number, n: number): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (;;) {
    const r = await api(base, 'GET', `/replication/executions?policy_id=${policyId}&page_size=100`);
    if (r.body.length >= n && r.body.every((e: { status: string }) => e.status !== 'InProgress')) return r.body;
    await new Promise((res) => setTimeout(res, 25));
  }
}

export async function taskLog(base: string, executionId: number, taskId: number): Promise<string> {
  const r = await api(base, 'GET', `/replication/executions/${executionId}/tasks/${taskId}/log`);
  expect(r.status).toBe(200);
  return r.text;
}

/**
 * Pushes an OCI index of two images (tagged `tag`), an SBOM-like accessory whose subject is the
 * index, and a signature-like accessory whose subject is the SBOM (a chain); returns their descriptors.
 */
export async function pushIndexWithAccessories(base: string, repo: string, tag: string): Promise<{ index: Descriptor; children: Descriptor[]; sbom: Descriptor; sig: Descriptor }> {
  const a = await pushImage(base, repo, `${tag}-amd64`, `${repo}-${tag}-a`);
  const b = await pushImage(base, repo, `${tag}-arm64`, `${repo}-${tag}-b`);
  const children = [a, b].map((d, i) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform: { os: 'linux', architecture: i ? 'arm64' : 'amd64' } }));
  const index = await pushManifest(base, repo, tag, { schemaVersion: 2, mediaType: MT.ociIndex, manifests: children }, MT.ociIndex);
  const empty = await pushBlob(base, repo, Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const accessory = async (artifactType: string, body: string, subject: Descriptor): Promise<Descriptor> => {
    const layer = await pushBlob(base, repo, Buffer.from(body), 'application/octet-stream');
    const doc = { schemaVersion: 2, mediaType: MT.ociManifest, artifactType, config: empty, layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } };
    return pushManifest(base, repo, digestOf(manifestBytes(doc)), doc, MT.ociManifest);
  };
  const sbom = await accessory('application/vnd.goharbor.harbor.sbom.v1', `{"spdxVersion":"SPDX-2.3","name":"${repo}:${tag}"}`, index);
  const sig = await accessory('application/vnd.dev.cosign.artifact.sig.v1+json', `signature of ${sbom.digest}`, sbom);
  return { index, children, sbom, sig };
}
