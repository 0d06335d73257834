// The process entry point (bin/harborctl execs node on this file); main.ts stays importable by tests.
import { main } from './main.js';

void main(process.argv);
