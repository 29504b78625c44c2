import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip bench`. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('bench: not yet implemented');
    });
}
