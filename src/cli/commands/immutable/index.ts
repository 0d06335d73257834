// `harborctl immutable …`: a project's immutable tag rules (Harbor's tag immutability).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

const selectorOptions = (c: Command): Command => c
  .option('--tags <pattern>', 'doublestar pattern of the tags (default **)')
  .option('--repos <pattern>', 'doublestar pattern of the repositories, inside the project (default **)')
  .option('--exclude-tags', 'the rule covers the tags NOT matching --tags')
  .option('--exclude-repos', 'the rule covers the repositories NOT matching --repos');

export function register(program: Command, { act, quiet, yes }: Kit): void {
  const imm = program.command('immutable').description('immutable tag rules: tags that can be neither moved nor deleted');
  quiet(imm.command('list <project>').description('list a project\'s immutable tag rules (-q: their ids)')).action(act(() => import('./list.js')));
  selectorOptions(imm.command('create <project>').description('add an immutable tag rule')).action(act(() => import('./create.js')));
  selectorOptions(imm.command('update <project> <rule-id>').description('change a rule\'s patterns')).action(act(() => import('./update.js')));
  yes(imm.command('delete <project> <rule-id>').description('delete a rule')).action(act(() => import('./delete.js')));
  imm.command('enable <project> <rule-id>').description('enable a rule').action(act(() => import('./enable.js')));
  imm.command('disable <project> <rule-id>').description('disable a rule (its tags become mutable)').action(act(() => import('./disable.js')));
}

export const examples: Examples = {
  '': ['harborctl immutable create library --tags \'v*\'', 'harborctl immutable list library'],
  list: ['harborctl immutable list library', 'harborctl immutable list library -o json'],
  create: ['harborctl immutable create library --tags \'v*\' --repos \'app/**\'', 'harborctl immutable create library --tags latest --exclude-tags'],
  update: ['harborctl immutable update library 3 --tags \'release-*\''],
  delete: ['harborctl immutable delete library 3 --yes'],
  enable: ['harborctl immutable enable library 3'],
  disable: ['harborctl immutable disable library 3'],
};
