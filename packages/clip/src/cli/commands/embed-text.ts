import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip embed-text`. */
export function registerEmbedText(program: Command): void {
  program
    .command('embed-text')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('embed-text: not yet implemented');
    });
}
