// harborctl tag list [HOST/]PROJECT/REPO[(:TAG|@DIGEST)]: the tags of one artifact, or of the whole repository.
import { parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { getArtifact, listArtifacts } from '../../../client/artifacts.js';
import { listTags } from '../../../client/tags.js';
import type { Tag } from '../../../client/types.js';
import { renderList, shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';

type Row = Tag & { digest?: string };

const COLUMNS: Column<Row>[] = [
  { header: 'TAG', value: (t) => t.name },
  { header: 'DIGEST', value: (t) => t.digest },
  { header: 'PUSHED', value: (t) => shortTime(t.push_time) },
  { header: 'IMMUTABLE', value: (t) => (t.immutable ? 'yes' : 'no') },
];

export async function run(rt: Runtime, [name]: string[], o: PageFlags): Promise<void> {
  const ref = parseArtifactRef(name);
  const page = pageOptions(o);
  const reference = referenceOf(ref);
  const { rows, total } = await rt.withClient(async (c) => {
    if (reference) {
      // The tags of one artifact: each row shows that artifact's digest, as the repository-wide list does.
      const digest = ref.digest ?? (await getArtifact(c, ref.project, ref.repo, reference)).digest;
      const r = await listTags(c, ref.project, ref.repo, reference, page);
      return { rows: r.items.map((t) => ({ ...t, digest })), total: r.total };
    }
    // Harbor has no repository-wide tag list; the artifacts carry their tags.
    const r = await listArtifacts(c, ref.project, ref.repo, { pageSize: 0 });
    const all = r.items.flatMap((a) => (a.tags ?? []).map((t) => ({ ...t, digest: a.digest })));
    all.sort((a, b) => a.name.localeCompare(b.name));
    const start = page.pageSize ? ((page.page ?? 1) - 1) * page.pageSize : 0;
    return { rows: page.pageSize ? all.slice(start, start + page.pageSize) : all, total: all.length };
  }, { host: ref.host });
  renderList(rt.io, rt.listFormat(), rows, COLUMNS, `no tags in ${name}`);
  moreNote(rt, rows.length, total, page);
}
