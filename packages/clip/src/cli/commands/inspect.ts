import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip inspect`. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('inspect: not yet implemented');
    });
}
