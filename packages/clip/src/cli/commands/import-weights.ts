import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip import-weights`. */
export function registerImportWeights(program: Command): void {
  program
    .command('import-weights')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('import-weights: not yet implemented');
    });
}
