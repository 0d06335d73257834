// `harborctl label …`: global labels (system admins) and project labels (--project).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, quiet, yes }: Kit): void {
  const label = program.command('label').description('labels: global, or a project\'s with --project');
  quiet(label.command('list').description('list the global labels, or a project\'s')
    .option('--project <project>', 'the project\'s labels')).action(act(() => import('./list.js')));
  label.command('create <name>').description('create a label')
    .option('--project <project>', 'a label of this project (else global: system admins only)')
    .option('--color <color>', 'e.g. #0065AB').option('--description <text>', 'what it means')
    .action(act(() => import('./create.js')));
  label.command('update <label>').description('change a label (name or id)')
    .option('--project <project>', 'find the name among this project\'s labels')
    .option('--name <name>', 'a new name').option('--color <color>', 'a new color').option('--description <text>', 'a new description')
    .action(act(() => import('./update.js')));
  yes(label.command('delete <label>').description('delete a label (name or id); it comes off every artifact')
    .option('--project <project>', 'find the name among this project\'s labels')).action(act(() => import('./delete.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl label create release --color "#00AA00"', 'harborctl label list --project team-a'],
  list: ['harborctl label list', 'harborctl label list --project team-a -o json'],
  create: ['harborctl label create release --color "#00AA00" --description "ok to ship"', 'harborctl label create qa --project team-a'],
  update: ['harborctl label update release --color "#FF0000"', 'harborctl label update qa --project team-a --name qa-passed'],
  delete: ['harborctl label delete release --yes', 'harborctl label delete 12 --yes'],
};
