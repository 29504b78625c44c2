import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip synth`. */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('synth: not yet implemented');
    });
}
