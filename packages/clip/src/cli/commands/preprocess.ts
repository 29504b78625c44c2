import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip preprocess`. */
export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('preprocess: not yet implemented');
    });
}
