// Model directories for the model tests: a weight file of random bytes written in 1 MiB pieces (so
// the test process never holds it), a README, a LICENSE, a config.json and a nested tokenizer file;
// and a tree comparison by path, size and sha256.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MiB = 1024 * 1024;

export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= MiB) await fh.write(randomBytes(Math.min(MiB, left)));
  } finally {
    await fh.close();
  }
}

export async function makeModelDir(dir: string, weightBytes: number): Promise<void> {
  await mkdir(join(dir, 'tokenizer'), { recursive: true });
  await writeRandomFile(join(dir, 'model.safetensors'), weightBytes);
  await writeFile(join(dir, 'README.md'), '# Tiny test model\n\nFor harborctl\'s model tests.\n');
  await writeFile(join(dir, 'LICENSE'), 'Apache License 2.0\n');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ architectures: ['TestForCausalLM'], hidden_size: 64 }));
  await writeFile(join(dir, 'tokenizer', 'tokenizer.json'), JSON.stringify({ version: '1.0', vocab: { a: 0, b: 1 } }));
}

export async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** path → "size sha256" for every regular file under dir (hidden entries left out, as push does). */
export async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) out[p] = `${(await stat(join(dir, p))).size} ${await sha256OfFile(join(dir, p))}`;
      else out[p] = 'not a regular file';
    }
  };
  await visit('');
  return out;
}
