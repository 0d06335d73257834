// The one implementation behind `microk8s` and `containerd` configure-mirror / doctor / fix; the
// verb files only pick the flavour. Data (diffs, files, the doctor's findings) goes to stdout, notes
// to stderr; a failed check is a HarborError for cli/main.ts to report.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { HarborError } from '../../../core/errors.js';
import { applyPlan, checkSpec, mirrorUrl, parseAllFrom, planConfigure, type MirrorSpec, type Plan } from '../../../mirror/configure.js';
import { doctor, planFix, type DoctorOptions, type DoctorReport } from '../../../mirror/doctor.js';
import { FLAVORS, type Flavor, type Layout } from '../../../mirror/model.js';
import { failed, type Problem } from '../../../mirror/validate.js';
import { DEFAULT_RESTART, runRestart, staleConfigReason, type RestartWhen } from '../../../mirror/restart.js';
import { colorsFor } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import type { PullProof } from './pull.js';

export interface CommonOptions { certsDir?: string; containerdConfig?: string }
export interface ConfigureOptions extends CommonOptions {
  registry?: string; mirror?: string; project?: string; upstream?: string;
  caFile?: string; skipVerify?: boolean; dryRun?: boolean; allFrom?: string;
  /** Take each https mirror's CA from its TLS chain (serve --tls sends server + CA). */
  caFromServer?: boolean;
  /** Restart containerd after writing: true/'needed' only when it must, 'always' in any case. */
  restart?: boolean | string;
  restartCommand?: string;
}
export interface DoctorFlags extends CommonOptions {
  registry?: string; mirror?: string; project?: string; dockerDaemonJson?: string; probe?: boolean; dryRun?: boolean;
  /** doctor --pull IMAGE: a real pull through containerd, proven from the mirror's audit log. */
  pull?: string;
  containerdAddress?: string;
  ctr?: string;
}

export function layoutOf(name: Flavor['name'], o: CommonOptions): Layout {
  const flavor = FLAVORS[name];
  return { flavor, certsDir: o.certsDir ?? flavor.certsDir, containerdConfig: o.containerdConfig ?? flavor.containerdConfig };
}

function json(rt: Runtime): boolean { return rt.opts.output !== 'table'; }
function print(rt: Runtime, data: unknown): void {
  rt.io.stdout.write(rt.opts.output === 'yaml' ? YAML.stringify(data) : `${JSON.stringify(data, null, 2)}\n`);
}

function planData(plan: Plan, dryRun: boolean): unknown {
  return {
    dryRun,
    registries: plan.registries,
    certsDir: plan.layout.certsDir,
    files: plan.files.map((f) => ({ path: f.path, changed: f.changed, created: f.before === null, backup: f.backup, diff: f.diff, content: f.after })),
    containerdConfig: { file: plan.configPath.file, configPath: plan.configPath.configPath, problems: plan.configPath.problems },
    restartNeeded: plan.restartNeeded,
    restartCommand: plan.restartCommand,
    notes: plan.notes,
  };
}

function showPlan(rt: Runtime, plan: Plan, dryRun: boolean): void {
  if (json(rt)) { print(rt, planData(plan, dryRun)); return; }
  const out = rt.io.stdout;
  for (const f of plan.files) {
    if (dryRun) out.write(`# ${f.path}${f.changed ? '' : ' (unchanged)'}\n${f.after}${f.after.endsWith('\n') ? '' : '\n'}\n`);
    if (f.changed && !(dryRun && f.before === null)) out.write(f.diff);
    else if (!dryRun) rt.info(`${f.path}: unchanged`);
    if (f.backup) rt.info(`kept the old ${f.path} as ${f.backup}`);
  }
  for (const p of plan.configPath.problems) rt.warn(`${p.message}\n  fix: ${p.fix}`);
  if (dryRun) rt.info('dry run: nothing was written');
  for (const n of plan.notes) rt.info(n);
}

export async function configureMirror(rt: Runtime, name: Flavor['name'], o: ConfigureOptions): Promise<void> {
  const layout = layoutOf(name, o);
  const base = { upstream: o.upstream, caFile: o.caFile, skipVerify: o.skipVerify };
  let specs: MirrorSpec[];
  if (o.allFrom) {
    if (o.registry || o.project) throw new HarborError('USAGE', '--all-from lists the registries: leave out --registry and --project');
    if (o.upstream) throw new HarborError('USAGE', '--upstream applies to one registry: leave it out with --all-from');
    let text: string;
    try { text = readFileSync(o.allFrom, 'utf8'); } catch (e) { throw new HarborError('USAGE', `cannot read --all-from ${o.allFrom}: ${(e as Error).message}`); }
    specs = parseAllFrom(text, { ...base, mirror: o.mirror }, o.allFrom);
  } else {
    if (!o.mirror) throw new HarborError('USAGE', 'missing --mirror URL (e.g. http://192.168.1.140:5280)');
    specs = [{ ...base, registry: o.registry ?? 'docker.io', mirror: o.mirror, project: o.project }];
  }
  const when = restartWhen(o);
  const cas = o.caFromServer ? await casFromServers(rt, specs, o) : [];
  const plan = planConfigure(layout, specs);
  const done = o.dryRun ? plan : applyPlan(plan);
  const restart = (): Promise<{ ran: boolean; command: string; reason: string } | undefined> =>
    (when && !o.dryRun ? restartIfNeeded(rt, done, when, o.restartCommand ?? DEFAULT_RESTART[name]) : Promise.resolve(undefined));
  if (!json(rt)) {
    // The files and the notes first; the restart's own lines follow.
    showPlan(rt, done, Boolean(o.dryRun));
    await restart();
    return;
  }
  const restarted = await restart();
  if (cas.length > 0 || restarted) print(rt, { ...(planData(done, Boolean(o.dryRun)) as object), ...(cas.length > 0 ? { caFromServer: cas } : {}), ...(restarted ? { restart: restarted } : {}) });
  else showPlan(rt, done, Boolean(o.dryRun));
}

function restartWhen(o: ConfigureOptions): RestartWhen | undefined {
  if (o.restart === undefined || o.restart === false) {
    if (o.restartCommand) throw new HarborError('USAGE', '--restart-command goes with --restart');
    return undefined;
  }
  const when = o.restart === true ? 'needed' : o.restart;
  if (when !== 'needed' && when !== 'always') throw new HarborError('USAGE', `invalid --restart ${JSON.stringify(o.restart)}: needed (the default) or always`);
  if (o.restartCommand !== undefined && !o.restartCommand.trim()) throw new HarborError('USAGE', '--restart-command is empty');
  return when;
}

/**
 * --restart: hosts.toml is re-read on every pull, so it alone never needs one. containerd must be
 * restarted when its running configuration lacks config_path (MicroK8s: the rendered file is older
 * than the template); when the config file itself lacks it, a restart would not help, so it fails.
 */
async function restartIfNeeded(rt: Runtime, plan: Plan, when: RestartWhen, command: string): Promise<{ ran: boolean; command: string; reason: string }> {
  const cfgBroken = plan.configPath.problems.some((p) => p.severity === 'error');
  if (cfgBroken) {
    throw new HarborError('MIRROR_CHECK_FAILED', `the hosts.toml files are written, but not restarting containerd: ${plan.configPath.file} does not make it read ${plan.layout.certsDir} (see the warning above), so a restart would change nothing. Set config_path there, then run configure-mirror --restart again`);
  }
  const stale = staleConfigReason(plan.layout);
  if (!stale && when === 'needed' && plan.configPath.problems.some((p) => p.code === 'CONTAINERD_CONFIG_NOT_FOUND')) {
    const reason = `not restarting: ${plan.configPath.file} does not exist, so whether containerd must restart cannot be told (pass --containerd-config FILE, or --restart always)`;
    rt.info(reason);
    return { ran: false, command, reason };
  }
  if (!stale && when === 'needed') {
    const reason = 'no restart needed: containerd re-reads hosts.toml on every pull, and config_path is already in effect';
    rt.info(reason);
    return { ran: false, command, reason };
  }
  const reason = stale ?? 'restart requested with --restart always';
  rt.info(`${reason}\nrestarting containerd: ${command}`);
  await runRestart(command);
  rt.info('containerd restarted');
  return { ran: true, command, reason };
}

/** --ca-from-server: each distinct mirror's CA, from its TLS handshake, put into its specs as caPem. */
async function casFromServers(rt: Runtime, specs: MirrorSpec[], o: ConfigureOptions): Promise<{ mirror: string; fingerprintSha256: string; subject: string }[]> {
  if (o.caFile) throw new HarborError('USAGE', '--ca-file and --ca-from-server exclude each other: give the CA, or take it from the server');
  if (o.skipVerify) throw new HarborError('USAGE', '--ca-from-server and --skip-verify exclude each other: with the CA, verification works');
  const { fetchServerCa } = await import('../../../mirror/ca.js');
  const byMirror = new Map<string, Awaited<ReturnType<typeof fetchServerCa>>>();
  for (const s of specs) {
    checkSpec(s); // a bad --mirror is a usage error before any connection
    if (!byMirror.has(s.mirror)) {
      const ca = await fetchServerCa(s.mirror);
      byMirror.set(s.mirror, ca);
      rt.info(`CA of ${s.mirror}: ${ca.subject}\n  SHA-256 fingerprint ${ca.fingerprint}\n  compare it with the one \`harborctl tls init\` printed on the registry's machine`);
    }
    s.caPem = byMirror.get(s.mirror)?.pem;
  }
  return [...byMirror].map(([mirror, ca]) => ({ mirror, fingerprintSha256: ca.fingerprint, subject: ca.subject }));
}

function doctorOptions(name: Flavor['name'], o: DoctorFlags): DoctorOptions {
  if (o.project && !o.mirror) throw new HarborError('USAGE', '--project needs --mirror');
  if (o.mirror) {
    const u = mirrorUrl(o.mirror);
    if (!/^https?:$/.test(u.protocol) || (u.pathname !== '/' && u.pathname !== '')) throw new HarborError('USAGE', `invalid --mirror ${o.mirror}: the registry root, http://HOST:PORT or https://HOST:PORT`);
  }
  return {
    layout: layoutOf(name, o), registry: o.registry, mirror: o.mirror, project: o.project,
    dockerDaemonJson: o.dockerDaemonJson ?? '/etc/docker/daemon.json', probe: o.probe !== false,
  };
}

function reportData(r: DoctorReport): unknown {
  return { ok: r.ok, certsDir: r.certsDir, problems: r.problems, files: r.files.map((f) => ({ registry: f.registry, path: f.path, ok: !failed(f.problems), probes: f.probes, corrected: f.corrected, uncorrectable: f.uncorrectable, unchanged: f.unchanged })) };
}

function showReport(rt: Runtime, name: Flavor['name'], r: DoctorReport): void {
  if (json(rt)) {
    print(rt, reportData(r));
    return;
  }
  const c = colorsFor(rt.io.stdout, rt.io.env);
  const out = rt.io.stdout;
  const line = (p: Problem): string => {
    const mark = p.severity === 'error' ? c.red('✗') : p.severity === 'warning' ? c.yellow('!') : c.cyan('i');
    return `  ${mark} ${p.code}: ${p.message}\n    fix: ${p.fix.replace(/\n/g, '\n    ')}\n`;
  };
  const global = r.problems.filter((p) => !r.files.some((f) => f.problems.includes(p)));
  for (const p of global) out.write(`${p.file}\n${line(p)}`);
  for (const f of r.files) {
    const bad = failed(f.problems);
    out.write(`${bad ? c.red('✗') : c.green('✓')} ${f.path}\n`);
    for (const pr of f.probes) out.write(`    ${pr.kind === 'registry' ? c.green('✓') : c.red('✗')} ${pr.url} ${pr.kind === 'registry' || pr.kind === 'not-registry' ? `answered ${pr.status}` : pr.kind === 'unreachable' ? `unreachable (${pr.detail})` : pr.kind}\n`);
    for (const p of f.problems) out.write(line(p));
    if (f.corrected) out.write(`  corrected file (\`harborctl ${name} fix\` writes it):\n${f.corrected.trimEnd().replace(/^/gm, '    ')}\n`);
    if (f.uncorrectable) out.write(`  no corrected file: ${f.uncorrectable}\n`);
    if (f.unchanged) out.write(`  the file is as \`harborctl ${name} fix\` would write it: fix cannot change anything here; each fix: line above says what to do\n`);
  }
}

function countLine(problems: Problem[]): string {
  const n = problems.filter((p) => p.severity !== 'info').length;
  return `${n} problem${n === 1 ? '' : 's'} found`;
}

const PULL_DEFAULTS: Record<Flavor['name'], { address: string; ctr: string }> = {
  microk8s: { address: '/var/snap/microk8s/common/run/containerd.sock', ctr: '/snap/microk8s/current/bin/ctr' },
  containerd: { address: '/run/containerd/containerd.sock', ctr: 'ctr' },
};

export async function doctorCommand(rt: Runtime, name: Flavor['name'], o: DoctorFlags): Promise<void> {
  if (!o.pull && (o.containerdAddress || o.ctr)) throw new HarborError('USAGE', '--containerd-address and --ctr go with --pull IMAGE');
  const opts = doctorOptions(name, o);
  const report = await doctor(opts);
  let proof: PullProof | undefined;
  if (o.pull) {
    const { provePull } = await import('./pull.js');
    if (!json(rt)) showReport(rt, name, report);
    proof = await provePull(rt, {
      image: o.pull, certsDir: opts.layout.certsDir,
      address: o.containerdAddress ?? PULL_DEFAULTS[name].address, ctr: o.ctr ?? PULL_DEFAULTS[name].ctr,
    });
    if (json(rt)) print(rt, { ...(reportData(report) as object), pull: proof });
    else rt.io.stdout.write(`${proof.ok ? '✓' : '✗'} pull ${proof.image}: ${proof.message}\n`);
  } else {
    showReport(rt, name, report);
  }
  if (!report.ok) throw new HarborError('MIRROR_CHECK_FAILED', `${countLine(report.problems)}; see above (harborctl ${name} fix rewrites the hosts.toml files)`, { detail: { problems: report.problems } });
  if (proof && !proof.ok) throw new HarborError('MIRROR_CHECK_FAILED', `the pull of ${proof.image} did not go through ${proof.mirror}; see above`);
  rt.info(`${name}: mirror configuration OK${proof ? `, and ${proof.image} was pulled through ${proof.mirror}` : ''}`);
}

export async function fixCommand(rt: Runtime, name: Flavor['name'], o: DoctorFlags): Promise<void> {
  const opts = doctorOptions(name, o);
  const { plan } = await planFix(opts);
  const done = o.dryRun ? plan : applyPlan(plan);
  showPlan(rt, done, Boolean(o.dryRun));
  if (o.dryRun) return;
  const after = await doctor(opts);
  if (!after.ok) {
    for (const p of after.problems.filter((x) => x.severity !== 'info')) rt.warn(`${p.file}: ${p.code}: ${p.message}\n  fix: ${p.fix}`);
    throw new HarborError('MIRROR_CHECK_FAILED', `hosts.toml rewritten where possible, but ${countLine(after.problems)} that fix cannot repair`);
  }
}
