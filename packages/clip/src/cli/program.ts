import { Command } from 'commander';
import { CliError, type RegisterCommand } from './command.js';
import { registerSynth } from './commands/synth.js';
import { registerInspect } from './commands/inspect.js';
import { registerPreprocess } from './commands/preprocess.js';
import { registerTrain } from './commands/train.js';
import { registerEval } from './commands/eval.js';
import { registerEmbedImage } from './commands/embed-image.js';
import { registerEmbedText } from './commands/embed-text.js';
import { registerImportWeights } from './commands/import-weights.js';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';

/** Every verb, in the order `--help` lists them. Each lives in its own file under `commands/`. */
const COMMANDS: RegisterCommand[] = [
  registerSynth,
  registerInspect,
  registerPreprocess,
  registerTrain,
  registerEval,
  registerEmbedImage,
  registerEmbedText,
  registerImportWeights,
  registerBench,
  registerDemo,
];

/** Builds the `renal-clip` program with all its verbs. */
export function buildProgram(): Command {
  const program = new Command('renal-clip')
    .description('RenalCLIP: a vision-language foundation model for kidney-cancer CT, on TensorFlow.js')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI with the given arguments (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const e = error as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : (e.exitCode ?? 1);
    }
    process.stderr.write(`renal-clip: ${e.message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
