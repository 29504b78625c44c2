import { Rng, tf } from 'renal-core';
import { EmbeddingCache } from './cache.js';
import { type LlamaConfig, type PresetName, presetConfig } from './config.js';
import { Llm2VecError, VocabularyMismatchError } from './errors.js';
import { loadLlamaModel, loadLoraAdapter, readLlamaConfig, saveLlamaModel } from './hf-io.js';
import { assertFits, availableMemory, estimateMemory } from './memory.js';
import { LlamaModel } from './model.js';
import { l2Normalize, pool, type PoolingMode, poolingWeights } from './pooling.js';
import { buildPromptBatch, type PromptBatch, type PromptStyle, promptSpecialIds } from './prompt.js';
import { bundledLlama3TokenizerPath, Llama3Tokenizer } from './tokenizer/llama3-tokenizer.js';
import { VocabMap } from './tokenizer/vocab-map.js';
import { type HostTensor, randomHostWeights, weightsFromHost, weightsToHost } from './weights.js';

/** How an {@link Llm2Vec} encoder turns text into one vector. */
export interface Llm2VecSettings {
  /** Pooling over token states (default `mean`, as in the paper). */
  pooling: PoolingMode;
  /** Longest sequence in tokens, prompt included (default 224, as in the paper). */
  maxLength: number;
  /** Prompt wrapping (default `llama3-instruct`, LLM2Vec's for Llama-3-Instruct). */
  promptStyle: PromptStyle;
  /** LLM2Vec's change to the decoder: no causal mask (default true). */
  bidirectional: boolean;
}

/** Default settings: mean pooling, 224 tokens, Llama-3-Instruct wrapping, bidirectional. */
export const DEFAULT_SETTINGS: Llm2VecSettings = {
  pooling: 'mean',
  maxLength: 224,
  promptStyle: 'llama3-instruct',
  bidirectional: true,
};

/** Options of {@link Llm2Vec.embed}. */
export interface EmbedOptions {
  /** Texts per forward pass (default 8). */
  batchSize?: number;
  /** Task instruction prepended to every text; its tokens are excluded from pooling. */
  instruction?: string;
  /** Folder of the on-disk cache (keyed by model hash + instruction + text); no cache when absent. */
  cacheDir?: string;
  /** Called after each batch with the number of texts done. */
  onProgress?: (done: number, total: number) => void;
}

/** File beside `config.json` holding the encoder's own settings and its pruned vocabulary. */
const SETTINGS_FILE = 'llm2vec.json';

/**
 * An LLM2Vec text encoder: a Llama model, the Llama-3 tokenizer, an optional pruned vocabulary and the
 * pooling settings. `embed()` gives L2-normalised float32 vectors, batched by length and cached on disk.
 */
export class Llm2Vec {
  readonly settings: Llm2VecSettings;
  /** True when the weights were initialised at random from a preset (training then defaults to all weights). */
  fromScratch = false;
  private hash: string | undefined;
  private warnedTruncation = false;
  private warnedUnknown = false;
  private readonly warn: (m: string) => void;

  constructor(
    readonly model: LlamaModel,
    readonly tokenizer: Llama3Tokenizer,
    settings: Partial<Llm2VecSettings> = {},
    readonly vocabMap?: VocabMap,
    onWarning?: (message: string) => void,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.warn = onWarning ?? ((m) => console.warn(m));
    const ids = vocabMap ? vocabMap.size : tokenizer.vocabSize;
    if (ids !== model.config.vocabSize) {
      throw new VocabularyMismatchError(
        `the tokenizer${vocabMap ? "'s pruned vocabulary" : ''} has ${ids} ids but the model's embedding has ${model.config.vocabSize} rows`,
      );
    }
  }

  /**
   * A randomly initialised encoder of a preset shape. With `corpus`, the vocabulary is pruned to the tokens
   * the corpus uses (plus prompt specials and the MNTP mask token "_"), which keeps `tiny` small.
   */
  static async create(
    preset: PresetName,
    options: {
      corpus?: Iterable<string>;
      seed?: number;
      tokenizer?: Llama3Tokenizer;
      settings?: Partial<Llm2VecSettings>;
      config?: Partial<LlamaConfig>;
      /** Memory the backend may use (default: measured); creating a model that needs more throws ModelTooLargeError. */
      availableBytes?: number;
      onWarning?: (m: string) => void;
    } = {},
  ): Promise<Llm2Vec> {
    const tokenizer =
      options.tokenizer ?? (await Llama3Tokenizer.fromFile(await bundledLlama3TokenizerPath()));
    const settings = { ...DEFAULT_SETTINGS, ...options.settings };
    const vocabMap = options.corpus
      ? VocabMap.fromCorpus(
          tokenizer,
          options.corpus,
          keptSpecials(tokenizer, settings.promptStyle),
          tokenizer.specialId('<|end_of_text|>'),
        )
      : undefined;
    const config: LlamaConfig = {
      ...presetConfig(preset, vocabMap?.size ?? tokenizer.vocabSize),
      ...options.config,
    };
    if (vocabMap) config.vocabSize = vocabMap.size;
    assertFits(
      estimateMemory(config),
      options.availableBytes ?? (await availableMemory()),
      `preset '${preset}'`,
    );
    const rng = new Rng(options.seed ?? 0);
    const host = randomHostWeights(config, (n, std) => rng.normalArray(n, 0, std));
    const encoder = new Llm2Vec(
      new LlamaModel(config, weightsFromHost(host, config)),
      tokenizer,
      settings,
      vocabMap,
      options.onWarning,
    );
    encoder.fromScratch = true;
    return encoder;
  }

  /**
   * Loads an encoder folder: a Hugging Face Llama folder (`config.json` + safetensors) with optional
   * `llm2vec.json` (settings, pruned vocabulary), `tokenizer.json` (default: the bundled Llama-3 one) and
   * `adapter/` (a PEFT LoRA adapter, applied unmerged). With `pruneToCorpus`, a full-vocabulary checkpoint
   * is pruned on load to the tokens a corpus uses.
   */
  static async load(
    dir: string,
    options: {
      onWarning?: (m: string) => void;
      availableBytes?: number;
      pruneToCorpus?: Iterable<string>;
      settings?: Partial<Llm2VecSettings>;
    } = {},
  ): Promise<Llm2Vec> {
    const { join } = await import('node:path');
    const { readFile, stat } = await import('node:fs/promises');
    const exists = (p: string) =>
      stat(p).then(
        () => true,
        () => false,
      );
    const tokenizerPath = (await exists(join(dir, 'tokenizer.json')))
      ? join(dir, 'tokenizer.json')
      : await bundledLlama3TokenizerPath();
    const tokenizer = await Llama3Tokenizer.fromFile(tokenizerPath);
    let saved: {
      settings?: Partial<Llm2VecSettings>;
      vocab_map?: { kept_ids: number[]; fallback_original_id?: number };
    } = {};
    if (await exists(join(dir, SETTINGS_FILE)))
      saved = JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8'));
    const settings = { ...DEFAULT_SETTINGS, ...saved.settings, ...options.settings };
    let vocabMap = saved.vocab_map ? VocabMap.fromJSON(saved.vocab_map) : undefined;
    let model: LlamaModel;
    if (options.pruneToCorpus && !vocabMap) {
      const config = await readLlamaConfig(dir, options.onWarning);
      vocabMap = VocabMap.fromCorpus(
        tokenizer,
        options.pruneToCorpus,
        keptSpecials(tokenizer, settings.promptStyle),
        tokenizer.specialId('<|end_of_text|>'),
      );
      const full = await loadLlamaModel(dir, { config, availableBytes: options.availableBytes });
      model = await pruneModel(full, vocabMap);
    } else {
      model = await loadLlamaModel(dir, {
        onWarning: options.onWarning,
        availableBytes: options.availableBytes,
      });
    }
    if (await exists(join(dir, 'adapter', 'adapter_config.json')))
      await loadLoraAdapter(join(dir, 'adapter'), model);
    return new Llm2Vec(model, tokenizer, settings, vocabMap, options.onWarning);
  }

  /**
   * Saves the encoder as a Hugging Face LlamaModel folder plus `llm2vec.json`; a LoRA adapter, if still
   * unmerged, is merged into the saved weights (the live model keeps it).
   */
  async save(dir: string): Promise<void> {
    const { join } = await import('node:path');
    const { writeFile } = await import('node:fs/promises');
    if (this.model.lora) {
      const { LoraAdapter } = await import('./lora.js');
      const copy = new LlamaModel(
        this.model.config,
        weightsFromHost(await weightsToHost(this.model.weights), this.model.config),
      );
      copy.lora = LoraAdapter.fromPeft(
        this.model.config,
        this.model.lora.config,
        await this.model.lora.toPeft(),
      );
      copy.mergeLora();
      await saveLlamaModel(dir, copy);
      copy.dispose();
    } else {
      await saveLlamaModel(dir, this.model);
    }
    const json = { settings: this.settings, vocab_map: this.vocabMap?.toJSON() };
    await writeFile(join(dir, SETTINGS_FILE), `${JSON.stringify(json)}\n`);
  }

  /** Tokenizes and wraps texts into a left-padded batch (warns once on truncation, once on pruned-away tokens). */
  tokenize(texts: readonly string[], instruction?: string): PromptBatch {
    const prompt = buildPromptBatch(this.tokenizer, texts, {
      style: this.settings.promptStyle,
      maxLength: this.settings.maxLength,
      vocabMap: this.vocabMap,
      instruction,
    });
    if (prompt.truncated > 0 && !this.warnedTruncation) {
      this.warnedTruncation = true;
      this.warn(
        `llm2vec: text longer than ${this.settings.maxLength} tokens truncated (warned once per encoder)`,
      );
    }
    if (prompt.unknownTokens > 0 && !this.warnedUnknown) {
      this.warnedUnknown = true;
      this.warn(
        `llm2vec: ${prompt.unknownTokens} token(s) outside the pruned vocabulary were mapped to <|end_of_text|> (warned once per encoder; prune with every text you will embed)`,
      );
    }
    return prompt;
  }

  /** Pooled, un-normalised embeddings `[B, hidden]` of one batch (differentiable; for training). */
  encode(
    prompt: PromptBatch,
    options: { training?: boolean; seed?: number; attentionDropout?: number } = {},
  ): tf.Tensor2D {
    return tf.tidy(() => {
      const hidden = this.model.forward(prompt.batch, {
        ...options,
        bidirectional: this.settings.bidirectional,
      });
      return pool(hidden, poolingWeights(prompt.batch, this.settings.pooling, prompt.poolMask));
    });
  }

  /**
   * L2-normalised float32 embeddings of texts, in input order. Texts are sorted by token length and
   * batched to minimise padding; with `cacheDir`, vectors are read from and written to the on-disk cache.
   */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const batchSize = options.batchSize ?? 8;
    const instruction = options.instruction ?? '';
    texts.forEach((t, i) => {
      if (typeof t !== 'string' || t.trim().length === 0)
        throw new Llm2VecError(`text ${i} is empty: an empty report has no embedding`);
    });
    const out: Float32Array[] = new Array(texts.length);
    const cache = options.cacheDir ? new EmbeddingCache(options.cacheDir, await this.modelHash()) : undefined;
    const todo: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      const hit = cache ? await cache.get(texts[i], instruction) : undefined;
      if (hit) out[i] = hit;
      else todo.push(i);
    }
    const lengths = new Map(todo.map((i) => [i, this.tokenizer.encode(texts[i]).length]));
    todo.sort((a, b) => lengths.get(a)! - lengths.get(b)! || a - b);
    let done = texts.length - todo.length;
    for (let start = 0; start < todo.length; start += batchSize) {
      const idx = todo.slice(start, start + batchSize);
      const prompt = this.tokenize(
        idx.map((i) => texts[i]),
        instruction || undefined,
      );
      const vectors = tf.tidy(() => l2Normalize(this.encode(prompt)));
      const data = (await vectors.data()) as Float32Array;
      vectors.dispose();
      const D = this.model.config.hiddenSize;
      for (let j = 0; j < idx.length; j++) {
        const v = data.slice(j * D, (j + 1) * D);
        out[idx[j]] = v;
        if (cache) await cache.set(texts[idx[j]], v, instruction);
      }
      done += idx.length;
      options.onProgress?.(done, texts.length);
    }
    return out;
  }

  /** SHA-256 over the config, settings, vocabulary map and every weight (LoRA included): the cache key. */
  async modelHash(): Promise<string> {
    if (this.hash) return this.hash;
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256');
    h.update(
      stableJson({
        config: this.model.config,
        settings: this.settings,
        vocab: this.vocabMap?.toJSON() ?? null,
      }),
    );
    const feed = (tensors: Map<string, HostTensor>) => {
      for (const [name, t] of tensors) {
        h.update(name);
        h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      }
    };
    feed(await weightsToHost(this.model.weights));
    if (this.model.lora) feed(await this.model.lora.toPeft());
    this.hash = h.digest('hex').slice(0, 32);
    return this.hash;
  }

  /** Forgets the cached model hash; call after changing weights by hand (training does it for you). */
  markChanged(): void {
    this.hash = undefined;
  }

  /** Model ids never masked by MNTP (prompt specials). */
  specialModelIds(): Set<number> {
    const ids = promptSpecialIds(this.tokenizer, this.settings.promptStyle);
    return new Set(ids.map((id) => this.toModelId(id)));
  }

  /** Model id of an original tokenizer id (identity without a pruned vocabulary). */
  toModelId(originalId: number): number {
    return this.vocabMap ? this.vocabMap.toModel(originalId) : originalId;
  }

  /** Frees the model. */
  dispose(): void {
    this.model.dispose();
  }
}

/** JSON with object keys sorted, so equal configs hash equally whatever order their fields were set in. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Original ids a pruned vocabulary must always keep: prompt specials and the MNTP mask token "_". */
function keptSpecials(tokenizer: Llama3Tokenizer, style: PromptStyle): number[] {
  const mask = tokenizer.tokenToId('_');
  return [...promptSpecialIds(tokenizer, style), ...(mask === undefined ? [] : [mask])];
}

/** A copy of a full-vocabulary model keeping only the embedding (and lm_head) rows of a vocabulary map. */
async function pruneModel(full: LlamaModel, vocabMap: VocabMap): Promise<LlamaModel> {
  const host = await weightsToHost(full.weights);
  const D = full.config.hiddenSize;
  for (const name of ['embed_tokens.weight', 'lm_head.weight']) {
    const t = host.get(name);
    if (t) host.set(name, { shape: [vocabMap.size, D], data: vocabMap.pruneRows(t.data, D) });
  }
  const config = { ...full.config, vocabSize: vocabMap.size };
  full.dispose();
  return new LlamaModel(config, weightsFromHost(host, config));
}
