import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip eval`. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('eval: not yet implemented');
    });
}
