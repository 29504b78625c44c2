import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip train`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('train: not yet implemented');
    });
}
