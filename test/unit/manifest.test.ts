import { describe, expect, test } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../../src/core/json.js';
import { parseDescriptor, parseManifest, platformOf } from '../../src/oci/manifest.js';
import { MANIFEST_MEDIA_TYPES, MediaType, isIndexMediaType } from '../../src/oci/mediatypes.js';
import { catchHarborError } from './helpers.js';

const CONFIG = { mediaType: MediaType.ociConfig, digest: digestOf('config'), size: 6 };
const LAYER = { mediaType: MediaType.ociLayerGzip, digest: digestOf('layer'), size: 5 };
const LAYER2 = { mediaType: MediaType.ociLayerZstd, digest: digestOf('layer2'), size: 6 };
const CHILD = { mediaType: MediaType.ociManifest, digest: digestOf('child'), size: 5, platform: { os: 'linux', architecture: 'amd64' } };

const json = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));
const ociManifest = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemaVersion: 2, mediaType: MediaType.ociManifest, config: CONFIG, layers: [LAYER, LAYER2], ...extra,
});
const ociIndex = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [CHILD], ...extra,
});

function invalid(doc: unknown, contentType?: string): string {
  const body = Buffer.isBuffer(doc) ? doc : json(doc);
  return catchHarborError(() => parseManifest(body, contentType), 'MANIFEST_INVALID').message;
}

describe('parseManifest: media types', () => {
  test('an OCI image manifest', () => {
    const m = parseManifest(json(ociManifest()), MediaType.ociManifest);
    expect(m).toEqual({
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.ociConfig,
      config: CONFIG,
      layers: [LAYER, LAYER2],
      manifests: [],
      subject: null,
      annotations: null,
      blobRefs: [CONFIG, LAYER, LAYER2],
    });
  });

  test('an OCI image index', () => {
    const m = parseManifest(json(ociIndex()), MediaType.ociIndex);
    expect(m).toEqual({
      mediaType: MediaType.ociIndex, artifactType: null, config: null, layers: [], manifests: [CHILD],
      subject: null, annotations: null, blobRefs: [],
    });
  });

  test('a Docker schema 2 manifest has no artifact type', () => {
    const doc = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: { ...CONFIG, mediaType: MediaType.dockerConfig }, layers: [LAYER] };
    const m = parseManifest(json(doc), MediaType.dockerManifest);
    expect(m.mediaType).toBe(MediaType.dockerManifest);
    expect(m.artifactType).toBeNull();
    expect(m.blobRefs.map((d) => d.digest)).toEqual([CONFIG.digest, LAYER.digest]);
  });

  test('a Docker manifest list', () => {
    const doc = { schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [{ ...CHILD, mediaType: MediaType.dockerManifest }] };
    const m = parseManifest(json(doc), MediaType.dockerManifestList);
    expect(m.mediaType).toBe(MediaType.dockerManifestList);
    expect(m.manifests).toHaveLength(1);
    expect(m.blobRefs).toEqual([]);
    expect(m.artifactType).toBeNull();
  });

  test('the media type sets agree', () => {
    expect([...MANIFEST_MEDIA_TYPES].sort()).toEqual(
      [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList].sort());
    expect(isIndexMediaType(MediaType.ociIndex)).toBe(true);
    expect(isIndexMediaType(MediaType.dockerManifestList)).toBe(true);
    expect(isIndexMediaType(MediaType.ociManifest)).toBe(false);
  });
});

describe('parseManifest: mediaType and Content-Type', () => {
  test('a mediaType that disagrees with a manifest Content-Type is refused', () => {
    expect(invalid(ociManifest(), MediaType.dockerManifest)).toMatch(/does not match Content-Type/);
    expect(invalid(ociIndex(), MediaType.ociManifest)).toMatch(/does not match/);
  });

  test('Content-Type parameters and case are ignored', () => {
    expect(parseManifest(json(ociManifest()), `${MediaType.ociManifest.toUpperCase()}; charset=utf-8`).mediaType).toBe(MediaType.ociManifest);
  });

  test('a Content-Type that is not a manifest type does not override the body', () => {
    expect(parseManifest(json(ociManifest()), 'application/json').mediaType).toBe(MediaType.ociManifest);
    expect(parseManifest(json(ociManifest()), undefined).mediaType).toBe(MediaType.ociManifest);
  });

  test('without a mediaType field, the Content-Type decides', () => {
    const { mediaType: _, ...doc } = ociManifest();
    expect(parseManifest(json(doc), MediaType.ociManifest).mediaType).toBe(MediaType.ociManifest);
    const { mediaType: __, ...docker } = { ...ociManifest(), mediaType: MediaType.dockerManifest };
    expect(parseManifest(json(docker), MediaType.dockerManifest).mediaType).toBe(MediaType.dockerManifest);
  });

  test('without either, the shape decides between an OCI manifest and index', () => {
    const { mediaType: _m, ...manifest } = ociManifest();
    const { mediaType: _i, ...index } = ociIndex();
    expect(parseManifest(json(manifest), '').mediaType).toBe(MediaType.ociManifest);
    expect(parseManifest(json(index), undefined).mediaType).toBe(MediaType.ociIndex);
    expect(invalid({ schemaVersion: 2 }, undefined)).toMatch(/media type unknown/);
  });

  test('an unsupported or non-string mediaType is refused', () => {
    expect(invalid(ociManifest({ mediaType: 'application/vnd.docker.distribution.manifest.v1+json' }))).toMatch(/unsupported/);
    expect(invalid(ociManifest({ mediaType: 42 }))).toMatch(/mediaType must be a string/);
  });
});

describe('parseManifest: malformed documents', () => {
  test.each([
    ['not JSON', Buffer.from('{"schemaVersion": 2,')],
    ['empty', Buffer.alloc(0)],
    ['binary', Buffer.from([0xff, 0xfe, 0x00])],
  ])('%s is refused', (_what, body) => {
    expect(invalid(body, MediaType.ociManifest)).toMatch(/not valid JSON/);
  });

  test.each([['an array', []], ['a string', 'manifest'], ['null', null], ['a number', 2]])('%s is not a manifest', (_what, doc) => {
    expect(invalid(doc, MediaType.ociManifest)).toMatch(/JSON object/);
  });

  test('schemaVersion must be 2', () => {
    expect(invalid(ociManifest({ schemaVersion: 1 }))).toMatch(/schemaVersion/);
    expect(invalid(ociManifest({ schemaVersion: '2' }))).toMatch(/schemaVersion/);
    const { schemaVersion: _, ...doc } = ociManifest();
    expect(invalid(doc)).toMatch(/schemaVersion/);
  });

  test('a manifest needs a config', () => {
    const { config: _, ...doc } = ociManifest();
    expect(invalid(doc)).toMatch(/config must be a descriptor/);
  });

  test('a Docker manifest needs layers; an OCI manifest without layers has none', () => {
    const docker = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: CONFIG };
    expect(invalid(docker)).toMatch(/layers must be an array/);
    const { layers: _, ...oci } = ociManifest();
    expect(parseManifest(json(oci), undefined).layers).toEqual([]);
    expect(invalid(ociManifest({ layers: {} }))).toMatch(/layers must be an array/);
  });

  test('an index needs manifests and has no config or layers', () => {
    const { manifests: _, ...noManifests } = ociIndex();
    expect(invalid(noManifests)).toMatch(/manifests must be an array/);
    expect(invalid(ociIndex({ config: CONFIG }))).toMatch(/not config or layers/);
    expect(invalid(ociIndex({ layers: [] }))).toMatch(/not config or layers/);
  });

  test('an image manifest has no manifests', () => {
    expect(invalid(ociManifest({ manifests: [] }))).toMatch(/not manifests/);
  });

  test('annotations must be a map of strings', () => {
    expect(parseManifest(json(ociManifest({ annotations: { a: 'b' } })), undefined).annotations).toEqual({ a: 'b' });
    expect(invalid(ociManifest({ annotations: { a: 1 } }))).toMatch(/annotations/);
    expect(invalid(ociManifest({ annotations: ['a'] }))).toMatch(/annotations/);
    expect(invalid(ociManifest({ annotations: null }))).toMatch(/annotations/);
  });
});

describe('parseManifest: descriptors', () => {
  test.each([
    ['not an object', 'sha256:abc', /descriptor object/],
    ['null', null, /descriptor object/],
    ['missing mediaType', { digest: LAYER.digest, size: 1 }, /mediaType/],
    ['empty mediaType', { ...LAYER, mediaType: '' }, /mediaType/],
    ['missing digest', { mediaType: LAYER.mediaType, size: 1 }, /digest/],
    ['a malformed digest', { ...LAYER, digest: 'sha256:1234' }, /digest/],
    ['an upper-case digest', { ...LAYER, digest: LAYER.digest.toUpperCase() }, /digest/],
    ['missing size', { mediaType: LAYER.mediaType, digest: LAYER.digest }, /size/],
    ['a negative size', { ...LAYER, size: -1 }, /size/],
    ['a fractional size', { ...LAYER, size: 1.5 }, /size/],
    ['a string size', { ...LAYER, size: '5' }, /size/],
    ['an unsafe integer size', { ...LAYER, size: 2 ** 53 }, /size/],
    ['a non-string artifactType', { ...LAYER, artifactType: 1 }, /artifactType/],
    ['urls that are not an array', { ...LAYER, urls: 'http://x' }, /urls/],
    ['urls that are not strings', { ...LAYER, urls: [1] }, /urls/],
    ['a non-object platform', { ...LAYER, platform: 'linux' }, /platform/],
    ['a platform os that is not a string', { ...LAYER, platform: { os: { os: 'linux' } } }, /platform/],
    ['a platform os.features that is not an array of strings', { ...LAYER, platform: { os: 'linux', 'os.features': [1] } }, /platform/],
    ['a platform features that is a string', { ...LAYER, platform: { os: 'linux', features: 'sse4' } }, /platform/],
    ['data that is not a string', { ...LAYER, data: { b: 1 } }, /data/],
    ['annotations that are not strings', { ...LAYER, annotations: { k: true } }, /annotations/],
  ])('a layer with %s is refused, naming where', (_what, layer, re) => {
    const msg = invalid(ociManifest({ layers: [LAYER, layer] }));
    expect(msg).toMatch(re);
    expect(msg).toMatch(/^layers\[1\]/);
  });

  test('a bad config or child manifest is refused', () => {
    expect(invalid(ociManifest({ config: { ...CONFIG, size: -5 } }))).toMatch(/^config\.size/);
    expect(invalid(ociIndex({ manifests: [CHILD, { ...CHILD, digest: 'nope' }] }))).toMatch(/^manifests\[1\]\.digest/);
  });

  test('parseDescriptor keeps the optional fields it knows and drops others', () => {
    const d = parseDescriptor({
      ...LAYER, artifactType: 'application/x', annotations: { a: 'b' }, urls: ['https://example.com/l'],
      platform: { os: 'linux', 'os.features': ['a'], future: { deep: [1] } }, unknownField: 1,
    }, 'd');
    expect(d).toEqual({
      ...LAYER, artifactType: 'application/x', annotations: { a: 'b' }, urls: ['https://example.com/l'], platform: { os: 'linux', 'os.features': ['a'] },
    });
    expect(parseDescriptor({ ...LAYER, size: 0 }, 'd').size).toBe(0);
  });
});

describe('parseManifest: artifactType and subject', () => {
  test('an explicit artifactType wins over the config media type', () => {
    const m = parseManifest(json(ociManifest({ artifactType: 'application/vnd.example.sbom', config: { ...CONFIG, mediaType: MediaType.ociEmpty } })), undefined);
    expect(m.artifactType).toBe('application/vnd.example.sbom');
  });

  test('without artifactType an OCI manifest reports its config media type', () => {
    const m = parseManifest(json(ociManifest({ config: { ...CONFIG, mediaType: 'application/vnd.example.config+json' } })), undefined);
    expect(m.artifactType).toBe('application/vnd.example.config+json');
  });

  test('an OCI index may carry an artifactType', () => {
    expect(parseManifest(json(ociIndex({ artifactType: 'application/vnd.example.bundle' })), undefined).artifactType)
      .toBe('application/vnd.example.bundle');
  });

  test('artifactType must be a string and is refused on Docker media types', () => {
    expect(invalid(ociManifest({ artifactType: 7 }))).toMatch(/artifactType/);
    const docker = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: CONFIG, layers: [], artifactType: 'application/x' };
    expect(invalid(docker)).toMatch(/OCI manifests only/);
    const list = { schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [], artifactType: 'application/x' };
    expect(invalid(list)).toMatch(/OCI manifests only/);
  });

  test('a subject is parsed as a descriptor on manifests and indexes', () => {
    const subject = { mediaType: MediaType.ociManifest, digest: digestOf('subject'), size: 7 };
    expect(parseManifest(json(ociManifest({ subject })), undefined).subject).toEqual(subject);
    expect(parseManifest(json(ociIndex({ subject })), undefined).subject).toEqual(subject);
    // The subject is not a blob the repository must have.
    expect(parseManifest(json(ociManifest({ subject })), undefined).blobRefs.map((d) => d.digest)).not.toContain(subject.digest);
  });

  test('a malformed subject is refused', () => {
    expect(invalid(ociManifest({ subject: { mediaType: MediaType.ociManifest, digest: 'sha256:x', size: 1 } }))).toMatch(/^subject\.digest/);
    expect(invalid(ociManifest({ subject: 'sha256:abc' }))).toMatch(/^subject/);
  });
});

describe('parseManifest: blob references', () => {
  test('foreign layers with urls are not required blobs; other layers are', () => {
    const foreign = { mediaType: MediaType.dockerForeignLayer, digest: digestOf('windows base'), size: 12, urls: ['https://mcr.example/layer'] };
    const emptyUrls = { ...LAYER2, urls: [] };
    const doc = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: CONFIG, layers: [foreign, LAYER, emptyUrls] };
    const m = parseManifest(json(doc), MediaType.dockerManifest);
    expect(m.layers).toHaveLength(3);
    expect(m.blobRefs.map((d) => d.digest)).toEqual([CONFIG.digest, LAYER.digest, LAYER2.digest]);
  });
});

describe('JSON depth (issue 13.4)', () => {
  const nest = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

  test('the bound is MAX_JSON_DEPTH levels of objects and arrays', () => {
    expect(jsonTooDeep(nest(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTooDeep(nest(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonTooDeep(`{"a":${nest(MAX_JSON_DEPTH - 1)}}`)).toBe(false);
    expect(jsonTooDeep(`{"a":{"b":${nest(MAX_JSON_DEPTH - 1)}}}`)).toBe(true);
  });

  test('brackets inside strings, escaped quotes included, do not count', () => {
    expect(jsonTooDeep(JSON.stringify({ a: '['.repeat(1000), b: '\\"[[[[', c: '"{{{{' }))).toBe(false);
    expect(jsonTooDeep(String.raw`["\\",` + `${nest(MAX_JSON_DEPTH)}]`)).toBe(true);
  });

  test('a manifest nested 5,000 levels deep is MANIFEST_INVALID before it is parsed', () => {
    const text = `{"schemaVersion":2,"mediaType":"${MediaType.ociIndex}","manifests":[],"annotations":${'{"k":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    expect(invalid(Buffer.from(text))).toMatch(/deeper than 32 levels/);
  });

  test('platformOf keeps the spec fields, drops unknown ones, and refuses wrong types', () => {
    expect(platformOf({ os: 'linux', architecture: 'arm', variant: 'v7', 'os.version': '1', features: [], extra: { x: 1 } }))
      .toEqual({ os: 'linux', architecture: 'arm', variant: 'v7', 'os.version': '1', features: [] });
    expect(platformOf({ os: 'linux', architecture: 5 })).toBeNull();
    expect(platformOf(['linux'])).toBeNull();
    expect(platformOf(JSON.parse('{"__proto__":{"os":"x"},"os":"linux"}'))).toEqual({ os: 'linux' });
    expect(platformOf(null)).toBeNull();
  });
});
