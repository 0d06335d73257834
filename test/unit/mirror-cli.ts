// The mirror commands run in-process exactly as the binary runs them (cli/main.ts's run()).
// Not a test file itself.
import { cli as runCli, type CliResult } from '../helpers/cli.js';

export type { CliResult };
export const cli = (...argv: string[]): Promise<CliResult> => runCli({}, argv);
