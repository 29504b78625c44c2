import { padLeft, type TokenBatch } from './batch.js';
import { Llm2VecError } from './errors.js';
import type { Llama3Tokenizer } from './tokenizer/llama3-tokenizer.js';
import type { VocabMap } from './tokenizer/vocab-map.js';

/**
 * How a text is wrapped before encoding. `llama3-instruct` is LLM2Vec's wrapping for Llama-3-Instruct:
 * `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{instruction}{text}<|eot_id|>`;
 * `plain` is `<|begin_of_text|>{instruction}{text}<|end_of_text|>`.
 */
export type PromptStyle = 'llama3-instruct' | 'plain';

/** Settings for turning texts into a model batch. */
export interface PromptOptions {
  style: PromptStyle;
  /** Longest sequence in tokens, wrapping included (224 in the paper); longer texts are cut at the end. */
  maxLength: number;
  /** Pruned vocabulary, when the model uses one. */
  vocabMap?: VocabMap;
}

/** A tokenized batch plus the tokens that pooling may use. */
export interface PromptBatch {
  batch: TokenBatch;
  /** `[B·T]`: 1 on tokens to pool — all real tokens, or only the text's when an instruction is given. */
  poolMask: Uint8Array;
  /** How many texts were cut to `maxLength`. */
  truncated: number;
  /** Tokens outside a pruned vocabulary (mapped to its fallback id). */
  unknownTokens: number;
}

/** The special-token ids a prompt style uses (original vocabulary). */
export function promptSpecialIds(tokenizer: Llama3Tokenizer, style: PromptStyle): number[] {
  const ids = [tokenizer.specialId('<|begin_of_text|>'), tokenizer.specialId('<|end_of_text|>')];
  if (style === 'llama3-instruct') {
    ids.push(
      ...tokenizer.encode('<|start_header_id|>user<|end_header_id|>\n\n<|eot_id|>', { allowSpecial: true }),
    );
  }
  return [...new Set(ids)];
}

/** Original ids of one wrapped text as [prefix, instruction, text, suffix] segments. */
function segments(
  tokenizer: Llama3Tokenizer,
  text: string,
  instruction: string,
  style: PromptStyle,
): number[][] {
  const bos = tokenizer.specialId('<|begin_of_text|>');
  if (style === 'llama3-instruct') {
    const prefix = [
      bos,
      ...tokenizer.encode('<|start_header_id|>user<|end_header_id|>\n\n', { allowSpecial: true }),
    ];
    return [
      prefix,
      tokenizer.encode(instruction),
      tokenizer.encode(text.trim()),
      [tokenizer.specialId('<|eot_id|>')],
    ];
  }
  return [
    [bos],
    tokenizer.encode(instruction),
    tokenizer.encode(text.trim()),
    [tokenizer.specialId('<|end_of_text|>')],
  ];
}

/**
 * Tokenizes, wraps, truncates and left-pads texts (pad = EOS, as LLM2Vec does for Llama-3). The text is
 * cut, never the wrapping, so every sequence still ends with its closing token. Empty texts are refused.
 */
export function buildPromptBatch(
  tokenizer: Llama3Tokenizer,
  texts: readonly string[],
  options: PromptOptions & { instruction?: string },
): PromptBatch {
  const instruction = options.instruction ?? '';
  let unknownTokens = 0;
  const map = (ids: number[]) => {
    const vocab = options.vocabMap;
    if (!vocab) return ids;
    return ids.map((id) => {
      if (!vocab.has(id)) unknownTokens++;
      return vocab.toModel(id);
    });
  };
  const sequences: number[][] = [];
  const poolFlags: number[][] = [];
  let truncated = 0;
  texts.forEach((text, i) => {
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw new Llm2VecError(`text ${i} is empty: an empty report has no embedding`);
    }
    const [prefix, instr, body, suffix] = segments(tokenizer, text, instruction, options.style);
    const room = options.maxLength - prefix.length - instr.length - suffix.length;
    if (room < 1)
      throw new Llm2VecError(`maxLength ${options.maxLength} leaves no room for text after the prompt`);
    const kept = body.length > room ? body.slice(0, room) : body;
    if (kept.length < body.length) truncated++;
    sequences.push(map([...prefix, ...instr, ...kept, ...suffix]));
    const poolText = instruction.length > 0;
    poolFlags.push([
      ...prefix.map(() => (poolText ? 0 : 1)),
      ...instr.map(() => (poolText ? 0 : 1)),
      ...kept.map(() => 1),
      ...suffix.map(() => (poolText ? 0 : 1)),
    ]);
  });
  const eos = tokenizer.specialId('<|end_of_text|>');
  const batch = padLeft(sequences, options.vocabMap ? options.vocabMap.toModel(eos) : eos);
  const poolMask = new Uint8Array(batch.batchSize * batch.seqLen);
  poolFlags.forEach((flags, b) => {
    poolMask.set(flags, b * batch.seqLen + batch.seqLen - flags.length);
  });
  return { batch, poolMask, truncated, unknownTokens };
}
