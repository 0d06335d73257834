// The process entry point (bin/harborctl execs node on the bundle's copy of this); main.ts stays
// importable by tests. The program is a chunk of its own, loaded once the bundle's chunks can be
// compiled from their code cache (code-cache.ts).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useCodeCache } from './code-cache.js';

useCodeCache(dirname(fileURLToPath(import.meta.url)));
void import('./main.js').then(({ main }) => main(process.argv));
