import { homedir } from 'node:os';
import { join } from 'node:path';

/** `--data-dir`, else HARBORCTL_DATA_DIR, else $XDG_DATA_HOME/harborctl (~/.local/share/harborctl). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARBORCTL_DATA_DIR) return env.HARBORCTL_DATA_DIR;
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'harborctl');
}
