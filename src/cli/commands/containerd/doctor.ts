// harborctl containerd doctor [--registry R] [--mirror URL [--project P]] [--certs-dir D] [--no-probe]
import type { Runtime } from '../../runtime.js';
import { doctorCommand, type DoctorFlags } from '../mirror/actions.js';

export async function run(rt: Runtime, _args: string[], o: DoctorFlags): Promise<void> {
  await doctorCommand(rt, 'containerd', o);
}
