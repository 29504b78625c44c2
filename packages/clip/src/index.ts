/**
 * renal-clip: the RenalCLIP pipeline — datasets, the two pre-training stages, the ten clinical tasks,
 * evaluation, reports and the `renal-clip` CLI.
 *
 * @packageDocumentation
 */
export { CliError, emit, type RegisterCommand } from './cli/command.js';
export { buildProgram, runCli } from './cli/program.js';
