// configure-mirror --restart: containerd re-reads hosts.toml on every pull, so writing those files
// never needs a restart; only a change of containerd's own configuration (config_path) does. MicroK8s
// renders containerd-template.toml into args/containerd.toml when containerd starts, so a template
// whose config_path the rendered file does not have yet means the running containerd has not read it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HarborError } from '../core/errors.js';
import { expandVars } from './containerd-config.js';
import { isTable, parseTomlText } from './parse.js';
import type { Layout } from './model.js';

export type RestartWhen = 'needed' | 'always';

/** The command `--restart` runs when none is given (the CLI runs as root, so no sudo). */
export const DEFAULT_RESTART: Record<Layout['flavor']['name'], string> = {
  microk8s: 'snap restart microk8s.daemon-containerd',
  containerd: 'systemctl restart containerd',
};

function configPathIn(file: string, vars: Record<string, string>): string | undefined {
  if (!existsSync(file)) return undefined;
  const r = parseTomlText(readFileSync(file, 'utf8'));
  if (!r.ok) return undefined;
  const plugins = isTable(r.raw.plugins) ? r.raw.plugins : {};
  for (const name of ['io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.images', 'cri']) {
    const p = plugins[name];
    if (isTable(p) && isTable(p.registry) && typeof p.registry.config_path === 'string') return resolve(expandVars(p.registry.config_path, vars));
  }
  return undefined;
}

/**
 * Why the running containerd has not read config_path yet, when that can be told from the files:
 * MicroK8s' rendered args/containerd.toml (next to the template) lacks the template's config_path.
 */
export function staleConfigReason(layout: Layout): string | undefined {
  if (layout.flavor.name !== 'microk8s') return undefined;
  const rendered = join(dirname(layout.containerdConfig), 'containerd.toml');
  if (!existsSync(rendered) || resolve(rendered) === resolve(layout.containerdConfig)) return undefined;
  const want = configPathIn(layout.containerdConfig, layout.flavor.vars);
  if (!want) return undefined;
  const have = configPathIn(rendered, layout.flavor.vars);
  if (have === want) return undefined;
  return `MicroK8s renders ${layout.containerdConfig} into ${rendered} when containerd starts, and that file ${have ? `still has config_path = "${have}"` : 'has no config_path yet'}: the running containerd does not read ${want} until it restarts`;
}

export interface RestartResult { command: string; stdout: string; stderr: string }

/** Runs the restart command with sh -c; a clear error when it is missing or fails. */
export function runRestart(command: string): Promise<RestartResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', (e) => reject(new HarborError('MIRROR_CHECK_FAILED', `could not run the restart command \`${command}\`: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) { resolvePromise({ command, stdout, stderr }); return; }
      const why = code === 127 ? 'the command was not found' : `it exited with ${code ?? signal}`;
      const detail = stderr.trim().split('\n').slice(-3).join('\n');
      reject(new HarborError('MIRROR_CHECK_FAILED', `the files are written, but restarting containerd with \`${command}\` failed: ${why}${detail ? `\n${detail}` : ''}\nrestart containerd yourself, or give the command for this host with --restart-command`));
    });
  });
}
