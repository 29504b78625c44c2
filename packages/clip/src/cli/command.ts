import type { Command } from 'commander';

/** Error the CLI prints as one line (`renal-clip: <message>`) with a non-zero exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** One verb of the `renal-clip` CLI: a function that adds its subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

/** Prints a result either as one JSON object (`--json`) or as human text. */
export function emit(result: unknown, options: { json?: boolean }, human: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${human()}\n`);
}
