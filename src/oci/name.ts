// Repository names and tags: distribution-spec §"Pulling manifests" grammar, plus Harbor's rule that
// a repository lives in a project: `<project>/<repo>[/<more>...]`.
import { HarborError } from '../core/errors.js';

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Harbor's project name rule (src/common/utils: `^[a-z0-9]+(?:[._-][a-z0-9]+)*$`, 1–255). */
const PROJECT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const MAX_NAME_LENGTH = 255;

export interface RepositoryName { name: string; project: string; repo: string }

/** Validates a full repository name and splits off its project. */
export function parseRepositoryName(name: string): RepositoryName {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new HarborError('NAME_INVALID', `repository name must be 1 to ${MAX_NAME_LENGTH} characters`, { detail: { name: name.slice(0, 300) } });
  }
  const parts = name.split('/');
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      throw new HarborError('NAME_INVALID', `invalid repository name component ${JSON.stringify(p)}: lower-case letters, digits and single separators (. _ __ -) only`, { detail: { name } });
    }
  }
  if (parts.length < 2) {
    throw new HarborError('NAME_INVALID', 'repository name must be <project>/<repository>', { detail: { name } });
  }
  return { name, project: parts[0], repo: parts.slice(1).join('/') };
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidProjectName(name: string): boolean {
  return name.length >= 1 && name.length <= 255 && PROJECT.test(name);
}
