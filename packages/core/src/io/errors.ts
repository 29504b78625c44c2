/** Error for a malformed or unsupported safetensors file; names the file and, when known, the tensor. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly tensor?: string,
  ) {
    super(`${file}${tensor === undefined ? '' : ` [${tensor}]`}: ${problem}`);
  }
}

/** Error for a checkpoint folder that is missing, incomplete or inconsistent. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}
