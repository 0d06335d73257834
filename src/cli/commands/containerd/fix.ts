// harborctl containerd fix [--registry R] [--mirror URL [--project P]] [--certs-dir D] [--dry-run]
import type { Runtime } from '../../runtime.js';
import { fixCommand, type DoctorFlags } from '../mirror/actions.js';

export async function run(rt: Runtime, _args: string[], o: DoctorFlags): Promise<void> {
  await fixCommand(rt, 'containerd', o);
}
