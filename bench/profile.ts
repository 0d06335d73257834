// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function,
// and per kind of code (ours, node internals, dependencies, GC, idle).
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[]; parent?: number }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface ProfileLine { name: string; where: string; ms: number; share: number }
export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byKind: ProfileLine[];
  /** Self time: the function itself, and native code it calls directly (SQLite, hashing, syscalls). */
  top: ProfileLine[];
  /** Inclusive time of harborctl's own functions: what a request path costs end to end. */
  ours: ProfileLine[];
}

function kind(f: CallFrame): string {
  if (f.functionName === '(idle)') return 'idle';
  if (f.functionName === '(garbage collector)') return 'garbage collector';
  if (f.functionName === '(program)') return '(program): native, outside JS';
  if (f.url.includes('/node_modules/')) return `dependency ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1] ?? ''}`;
  if (f.url.includes('/dist/src/')) return 'harborctl (dist/src)';
  if (f.url.startsWith('node:')) return `node ${f.url.slice(5).replace(/^internal\//, '').split('/')[0].replace(/\.js$/, '')}`;
  if (f.url === '') return 'native / builtins';
  return 'other';
}

function where(f: CallFrame): string {
  if (!f.url) return '';
  const short = f.url.replace(/^file:\/\/.*\/dist\//, 'dist/').replace(/^file:\/\/.*\/node_modules\//, 'node_modules/');
  return `${short}:${f.lineNumber + 1}`;
}

export function summarizeProfile(file: string, topN = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Self time per node: each sample's delta is charged to the node that was on top of the stack.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const kinds = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    totalUs += us;
    if (f.functionName === '(idle)') idleUs += us;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}`;
    const e = fn.get(key) ?? { name: f.functionName || '(anonymous)', where: where(f), us: 0 };
    e.us += us;
    fn.set(key, e);
    const k = kind(f);
    kinds.set(k, (kinds.get(k) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  // Inclusive time of our functions: walk each sampled stack once, charging each function once.
  for (const n of p.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = byId.get(id); n; n = n.parent === undefined ? undefined : byId.get(n.parent)) {
      const f = n.callFrame;
      if (!f.url.includes('/dist/src/')) continue;
      const key = `${f.functionName}|${f.url}|${f.lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const e = inclusive.get(key) ?? { name: f.functionName || '(anonymous)', where: where(f), us: 0 };
      e.us += us;
      inclusive.set(key, e);
    }
  }
  const line = (name: string, w: string, us: number): ProfileLine => ({ name, where: w, ms: us / 1000, share: busyUs ? us / busyUs : 0 });
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    byKind: [...kinds].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]).map(([k, us]) => line(k, '', us)),
    top: [...fn.values()].filter((e) => e.name !== '(idle)').sort((a, b) => b.us - a.us).slice(0, topN).map((e) => line(e.name, e.where, e.us)),
    ours: [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, topN).map((e) => line(e.name, e.where, e.us)),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)}%`;
  const out = [`profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy (not idle); shares are of busy time`, '', 'by kind of code:'];
  for (const k of s.byKind) out.push(`  ${pct(k.share)} ${k.ms.toFixed(0).padStart(8)} ms  ${k.name}`);
  out.push('', 'top functions by self time (native work such as SQLite, hashing or a syscall shows under its own name or its JS caller\'s):');
  for (const t of s.top) out.push(`  ${pct(t.share)} ${t.ms.toFixed(0).padStart(8)} ms  ${t.name}  ${t.where}`);
  out.push('', 'harborctl functions by inclusive time:');
  for (const t of s.ours) out.push(`  ${pct(t.share)} ${t.ms.toFixed(0).padStart(8)} ms  ${t.name}  ${t.where}`);
  return out.join('\n');
}
