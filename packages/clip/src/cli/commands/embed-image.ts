import type { Command } from 'commander';
import { CliError } from '../command.js';

/** `renal-clip embed-image`. */
export function registerEmbedImage(program: Command): void {
  program
    .command('embed-image')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('embed-image: not yet implemented');
    });
}
