import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadPushState } from '../../src/cli/commands/model/common.js';
import { buildConfig, checkFilepath, checkParamSize, classify, layerMediaType, parseLayerMediaType } from '../../src/model/modelpack.js';

describe('ModelPack packaging rules', () => {
  test.each([
    ['model.safetensors', 'weight'], ['shards/model-00001-of-00002.safetensors', 'weight'], ['ggml-q4.gguf', 'weight'],
    ['config.json', 'weight-config'], ['tokenizer/tokenizer.json', 'weight-config'], ['model.safetensors.index.json', 'weight-config'],
    ['README.md', 'doc'], ['LICENSE', 'doc'], ['docs/usage.txt', 'doc'],
    ['modeling_tiny.py', 'code'], ['data/train.jsonl', 'dataset'], ['eval.parquet', 'dataset'],
  ])('%s is a %s layer', (path, kind) => {
    expect(classify(path)).toBe(kind);
  });

  test('media types round-trip, weight.config is not mistaken for weight', () => {
    expect(layerMediaType('weight')).toBe('application/vnd.cncf.model.weight.v1.raw');
    expect(layerMediaType('weight-config', 'tar')).toBe('application/vnd.cncf.model.weight.config.v1.tar');
    expect(parseLayerMediaType('application/vnd.cncf.model.weight.config.v1.raw')).toEqual({ kind: 'weight-config', packing: 'raw' });
    expect(parseLayerMediaType('application/vnd.cncf.model.weight.v1.tar+gzip')).toEqual({ kind: 'weight', packing: 'tar+gzip' });
    expect(parseLayerMediaType('application/vnd.oci.image.layer.v1.tar')).toBeNull();
  });

  test('config: empty fields left out, modelfs lists the layer digests', () => {
    expect(buildConfig({ name: 'm', family: undefined }, { paramSize: '7B', format: '' }, ['sha256:a'])).toEqual({
      descriptor: { name: 'm' }, config: { paramSize: '7B' }, modelfs: { type: 'layers', diffIds: ['sha256:a'] },
    });
  });

  test('paramSize grammar', () => {
    expect(checkParamSize('6.7B')).toBe('6.7B');
    expect(checkParamSize('100m')).toBe('100m');
    expect(() => checkParamSize('6.75B')).toThrow(/invalid --param-size/);
    expect(() => checkParamSize('7')).toThrow(/invalid --param-size/);
  });

  test('file paths: relative and inside, or refused with the reason', () => {
    expect(checkFilepath('a/./b//c.txt')).toBe('a/b/c.txt');
    expect(() => checkFilepath('../x')).toThrow(/contains "\.\."/);
    expect(() => checkFilepath('a/../../x')).toThrow(/contains "\.\."/);
    expect(() => checkFilepath('/etc/passwd')).toThrow(/absolute/);
    expect(() => checkFilepath('C:/x')).toThrow(/absolute/);
    expect(() => checkFilepath('a\\..\\x')).toThrow(/backslash/);
    expect(() => checkFilepath('a\0b')).toThrow(/NUL/);
    expect(() => checkFilepath('.')).toThrow(/names no file/);
    expect(() => checkFilepath(undefined)).toThrow(/no org\.cncf\.model\.filepath/);
  });
});

describe('the model push state file', () => {
  test('a file named __proto__ or constructor is an entry like any other, kept across a save', async () => {
    const fresh = await loadPushState(join(tmpdir(), 'harborctl-no-such-state.json'));
    expect(fresh.files.constructor).toBeUndefined();
    fresh.files.__proto__ = { size: 1, mtimeMs: 2, digest: 'sha256:x' };
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-state-'));
    try {
      const path = join(dir, 'state.json');
      await writeFile(path, JSON.stringify(fresh));
      const back = await loadPushState(path);
      expect(Object.keys(back.files)).toEqual(['__proto__']);
      expect(back.files.__proto__).toEqual({ size: 1, mtimeMs: 2, digest: 'sha256:x' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
