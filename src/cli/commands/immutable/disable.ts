// harborctl immutable disable PROJECT RULE-ID
import type { Runtime } from '../../runtime.js';
import { setDisabled } from './enable.js';

export async function run(rt: Runtime, [project, ruleId]: string[]): Promise<void> {
  await setDisabled(rt, project, ruleId, true);
}
