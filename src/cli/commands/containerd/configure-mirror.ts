// harborctl containerd configure-mirror --mirror URL [--registry R] [--project P] [--ca-file F | --skip-verify] [--certs-dir D] [--dry-run] [--all-from FILE]
import type { Runtime } from '../../runtime.js';
import { configureMirror, type ConfigureOptions } from '../mirror/actions.js';

export async function run(rt: Runtime, _args: string[], o: ConfigureOptions): Promise<void> {
  await configureMirror(rt, 'containerd', o);
}
