// Artifact references as the CLI writes them: [HOST/]PROJECT/REPO[/MORE](:TAG|@DIGEST).
// The first component is a HOST when it looks like one (has a "." or ":" or is "localhost", Docker's
// rule) and at least PROJECT/REPO follow it, so a project named "my.team" still works as `my.team/app`.
import { HarborError } from '../core/errors.js';
import { isValidTag, parseRepositoryName } from './name.js';

export interface ArtifactRef {
  host?: string;
  project: string;
  /** The repository inside the project (may contain "/"). */
  repo: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** The registered algorithms of the OCI image spec (descriptor.md) and their encoded lengths. */
const HEX_LENGTH: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { sha256: 64, sha512: 128 });

export function parseArtifactRef(s: string, opts: { reference?: 'required' | 'forbidden' | 'optional' } = {}): ArtifactRef {
  const want = opts.reference ?? 'optional';
  let rest = s.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new HarborError('USAGE', `invalid digest ${JSON.stringify(digest)} in ${JSON.stringify(s)}: use ALGORITHM:HEX, e.g. sha256: and 64 hex characters`);
    const hexLength = HEX_LENGTH[digest.slice(0, digest.indexOf(':'))];
    if (hexLength !== undefined && !new RegExp(`^[a-z0-9]+:[0-9a-f]{${hexLength}}$`).test(digest)) {
      throw new HarborError('USAGE', `invalid digest ${JSON.stringify(digest)} in ${JSON.stringify(s)}: a ${digest.slice(0, digest.indexOf(':'))} digest is ${digest.slice(0, digest.indexOf(':'))}: and ${hexLength} hex characters (0-9, a-f)`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw new HarborError('USAGE', `invalid tag ${JSON.stringify(tag)} in ${JSON.stringify(s)}`);
  }
  const parts = rest.split('/');
  let host: string | undefined;
  if (parts.length >= 3 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) host = parts.shift();
  const name = parts.join('/');
  let parsed;
  try {
    parsed = parseRepositoryName(name);
  } catch (e) {
    throw new HarborError('USAGE', `invalid reference ${JSON.stringify(s)}: ${(e as Error).message}; write [HOST/]PROJECT/REPO[:TAG|@DIGEST]`);
  }
  if (want === 'required' && !tag && !digest) {
    throw new HarborError('USAGE', `${JSON.stringify(s)} names no artifact: add :TAG or @DIGEST`);
  }
  if (want === 'forbidden' && (tag || digest)) {
    throw new HarborError('USAGE', `${JSON.stringify(s)} must name a repository, without :TAG or @DIGEST`);
  }
  return { host, project: parsed.project, repo: parsed.repo, tag, digest };
}

/** The tag or digest Harbor's API takes as {reference}; a digest wins when both are given. */
export function referenceOf(r: ArtifactRef): string | undefined {
  return r.digest ?? r.tag;
}

export function formatRef(r: ArtifactRef): string {
  return `${r.project}/${r.repo}${r.digest ? `@${r.digest}` : r.tag ? `:${r.tag}` : ''}`;
}
