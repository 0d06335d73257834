// Reading a model back from a registry: the manifest (checked to be a ModelPack artifact), its config,
// and the file list the layers' filepath annotations describe. Shared by pull and inspect.
import { HarborError } from '../../../core/errors.js';
import { parseManifest, type Descriptor } from '../../../oci/manifest.js';
import { MediaType } from '../../../oci/mediatypes.js';
import { filepathOf, isModelArtifact, parseLayerMediaType, type ModelConfigDoc } from '../../../model/modelpack.js';
import type { Connection } from './common.js';

export interface ModelLayer extends Descriptor { path: string | undefined; kind: string | undefined; packing: string | undefined }

export interface FetchedModel {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  config: ModelConfigDoc;
  configDescriptor: Descriptor;
  layers: ModelLayer[];
}

export async function fetchModel(conn: Connection): Promise<FetchedModel> {
  const { client, repo, ref } = conn;
  const m = await client.getManifest(repo, ref.digest ?? ref.tag!, [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest]);
  const parsed = parseManifest(m.body, m.mediaType);
  if (!parsed.config) throw new HarborError('UNSUPPORTED', `${repo}:${ref.digest ?? ref.tag} is an index, not a model manifest`);
  if (!isModelArtifact(parsed.artifactType ?? undefined, parsed.config.mediaType)) {
    throw new HarborError('UNSUPPORTED', `${repo}:${ref.digest ?? ref.tag} is not a ModelPack model (artifact type ${parsed.artifactType ?? 'none'})`);
  }
  let config: ModelConfigDoc;
  try {
    config = JSON.parse((await client.blobBytes(repo, parsed.config.digest)).toString('utf8')) as ModelConfigDoc;
  } catch (e) {
    if (e instanceof HarborError) throw e;
    throw new HarborError('MANIFEST_INVALID', `the model config ${parsed.config.digest} is not valid JSON`);
  }
  const layers = parsed.layers.map((l) => {
    const t = parseLayerMediaType(l.mediaType.replace('vnd.cnai.', 'vnd.cncf.'));
    return { ...l, path: filepathOf(l.annotations), kind: t?.kind, packing: t?.packing };
  });
  return { digest: m.digest, mediaType: parsed.mediaType, artifactType: parsed.artifactType, config, configDescriptor: parsed.config, layers };
}
