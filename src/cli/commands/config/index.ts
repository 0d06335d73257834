// `harborctl config …`: the registry's system configuration (Harbor's /configurations; system admins).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  const config = program.command('config').description('the registry\'s system configuration (system admins)');
  config.command('get [names...]').description('show configuration items (all, or the named ones); secrets are never shown')
    .action(act(() => import('./get.js')));
  config.command('set <name=value...>').description('set configuration items: true/false, integers, sizes for storage_per_project, text')
    .action(act(() => import('./set.js')));
}

export const examples: Examples = {
  '': ['harborctl config get', 'harborctl config set read_only=true'],
  get: ['harborctl config get', 'harborctl config get auth_mode read_only -o json'],
  set: ['harborctl config set project_creation_restriction=adminonly', 'harborctl config set storage_per_project=10GiB robot_token_duration=90'],
};
