import type { Command } from 'commander';

/** `renal-clip demo`: the whole pipeline on a fresh synthetic cohort (tiny preset by default). */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole RenalCLIP pipeline on a fresh synthetic cohort and print the results table')
    .option('--preset <preset>', 'tiny or paper', 'tiny')
    .option('--out <dir>', 'output folder', 'renal-clip-demo')
    .option('--json', 'print one JSON object')
    .action(() => {
      // The pipeline (issue: renal-clip pipeline) has not landed yet; say so rather than pretend.
      process.stdout.write('renal-clip demo: not yet — the pipeline package is under construction.\n');
    });
}
