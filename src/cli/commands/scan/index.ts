// `harborctl scan ARTIFACT`: a vulnerability scan by the project's scanner (Harbor's POST …/scan).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  program.command('scan <reference>')
    .description('scan an image for vulnerabilities with its project\'s scanner ([HOST/]PROJECT/REPO:TAG or @DIGEST)')
    .option('--wait', 'wait for the report and show its summary; exit 1 when the scan fails')
    .option('--timeout <duration>', 'with --wait: give up after this long (e.g. 90s; default 10m)')
    .action(act(() => import('./run.js')));
}

export const examples: Examples = {
  scan: ['harborctl scan library/alpine:3', 'harborctl scan library/alpine:3 --wait -o json'],
};
