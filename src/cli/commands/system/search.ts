// harborctl search TEXT: projects and repositories you may see whose name contains TEXT (GET /search)
import { search } from '../../../client/system.js';
import { renderList, renderObject, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

interface Row { kind: 'project' | 'repository'; name: string; public: boolean; count?: number }

const COLUMNS: Column<Row>[] = [
  { header: 'KIND', value: (r) => r.kind },
  { header: 'NAME', value: (r) => r.name },
  { header: 'ACCESS', value: (r) => (r.public ? 'public' : 'private') },
  { header: 'COUNT', value: (r) => r.count },
];

export async function run(rt: Runtime, [text]: string[]): Promise<void> {
  const found = await rt.withClient((c) => search(c, text));
  const format = rt.listFormat();
  if (format === 'json' || format === 'yaml') { renderObject(rt.io, format, found, []); return; }
  const rows: Row[] = [
    ...found.project.map((p): Row => ({ kind: 'project', name: p.name, public: p.metadata?.public === 'true', count: p.repo_count })),
    ...found.repository.map((r): Row => ({ kind: 'repository', name: r.repository_name, public: r.project_public ?? false, count: r.artifact_count })),
  ];
  renderList(rt.io, format, rows, COLUMNS, `nothing matches ${JSON.stringify(text)}`);
}
