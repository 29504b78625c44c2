import { float32ToRaw, readSafetensors, Rng, toFloat32, writeSafetensors } from 'renal-core';
import { tokenize } from '../metrics/text.js';

/** Anything that turns texts into L2-normalised vectors of a fixed width. */
export interface TextEncoder {
  readonly dim: number;
  /** A short description for reports ("llm2vec tiny, MNTP+SimCSE", "tf-idf"). */
  readonly description: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Splits a report into sentences ("Findings:" and "Impression:" headers stay with their first sentence). */
export function splitSentences(report: string): string[] {
  return report
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `n` versions of a report with its sentences shuffled (seeded) — the paper's text augmentation. */
export function sentenceShuffles(report: string, n: number, rng: Rng): string[] {
  const sentences = splitSentences(report);
  return Array.from({ length: n }, () => rng.shuffle([...sentences]).join(' '));
}

/** L2-normalises a vector in place (zero vectors stay zero) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

/**
 * A lexical text encoder: unigram + bigram TF-IDF (log-scaled term frequency, smoothed IDF fitted on a corpus)
 * hashed into a seeded Gaussian random projection (Johnson–Lindenstrauss), L2-normalised. Not the paper's
 * encoder — a transparent baseline and the stand-in when no pretrained language model is available, since a
 * language model trained from scratch on a few hundred reports has little semantics to offer.
 */
export class TfidfTextEncoder implements TextEncoder {
  readonly description = 'tf-idf (unigrams + bigrams) with a random projection';
  private readonly idf = new Map<string, number>();
  private readonly projection = new Map<string, Float32Array>();

  constructor(
    readonly dim: number,
    readonly seed = 0,
  ) {}

  /** Fits the IDF weights on a corpus; returns this. */
  fit(corpus: string[]): this {
    const documentFrequency = new Map<string, number>();
    for (const text of corpus) {
      for (const term of new Set(terms(text)))
        documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
    for (const [term, df] of documentFrequency)
      this.idf.set(term, Math.log((1 + corpus.length) / (1 + df)) + 1);
    return this;
  }

  /** Embeds texts (terms never seen in the corpus are ignored). */
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => {
      const counts = new Map<string, number>();
      for (const term of terms(text)) if (this.idf.has(term)) counts.set(term, (counts.get(term) ?? 0) + 1);
      const out = new Float32Array(this.dim);
      for (const [term, count] of counts) {
        const weight = (1 + Math.log(count)) * this.idf.get(term)!;
        const row = this.row(term);
        for (let i = 0; i < this.dim; i++) out[i] += weight * row[i];
      }
      return normalizeInPlace(out);
    });
  }

  private row(term: string): Float32Array {
    let row = this.projection.get(term);
    if (!row) {
      let hash = this.seed >>> 0;
      for (let i = 0; i < term.length; i++) hash = Math.imul(hash ^ term.charCodeAt(i), 0x01000193) >>> 0;
      const rng = new Rng(hash);
      row = Float32Array.from({ length: this.dim }, () => rng.normal());
      this.projection.set(term, row);
    }
    return row;
  }
}

function terms(text: string): string[] {
  const words = tokenize(text);
  const out = [...words];
  for (let i = 0; i + 1 < words.length; i++) out.push(`${words[i]} ${words[i + 1]}`);
  return out;
}

/** Precomputed report embeddings: `views` vectors per report (the original first, then sentence shuffles). */
export interface ReportEmbeddings {
  ids: string[];
  views: number;
  dim: number;
  /** Row-major `[ids.length, views, dim]`. */
  data: Float32Array;
}

/** The vector of one report and view. */
export function embeddingOf(embeddings: ReportEmbeddings, row: number, view = 0): Float32Array {
  const start = (row * embeddings.views + view) * embeddings.dim;
  return embeddings.data.subarray(start, start + embeddings.dim);
}

/** Embeds each report and `shuffles` sentence-shuffled versions of it, once. */
export async function embedReports(
  encoder: TextEncoder,
  ids: string[],
  reports: string[],
  shuffles: number,
  seed: number,
): Promise<ReportEmbeddings> {
  const rng = new Rng(seed);
  const views = 1 + shuffles;
  const texts = reports.flatMap((r) => [r, ...sentenceShuffles(r, shuffles, rng)]);
  const vectors = await encoder.embed(texts);
  const data = new Float32Array(ids.length * views * encoder.dim);
  for (const [i, v] of vectors.entries()) data.set(v, i * encoder.dim);
  return { ids, views, dim: encoder.dim, data };
}

/** A text-embedding file that cannot be used. */
export class EmbeddingFileError extends Error {
  override name = 'EmbeddingFileError';
}

/** Writes embeddings as safetensors: tensor `embeddings` `[n, views, dim]`, metadata `ids` (a JSON array). */
export async function saveReportEmbeddings(path: string, embeddings: ReportEmbeddings): Promise<void> {
  const { ids, views, dim, data } = embeddings;
  await writeSafetensors(
    path,
    { embeddings: float32ToRaw(data, [ids.length, views, dim]) },
    { ids: JSON.stringify(ids) },
  );
}

/**
 * Reads embeddings computed elsewhere (e.g. by the official Python LLM2Vec): safetensors with a tensor
 * `embeddings` of `[n, dim]` or `[n, views, dim]` and metadata `ids` (JSON array of kidney ids). Rows are
 * L2-normalised on load.
 */
export async function loadReportEmbeddings(path: string): Promise<ReportEmbeddings> {
  let contents: Awaited<ReturnType<typeof readSafetensors>>;
  try {
    contents = await readSafetensors(path);
  } catch (error) {
    throw new EmbeddingFileError(`${path}: ${(error as Error).message}`);
  }
  const raw = contents.tensors.get('embeddings');
  if (!raw)
    throw new EmbeddingFileError(
      `${path}: no tensor named "embeddings" (found ${[...contents.tensors.keys()].join(', ')})`,
    );
  if (raw.shape.length !== 2 && raw.shape.length !== 3) {
    throw new EmbeddingFileError(
      `${path}: "embeddings" must be [n, dim] or [n, views, dim], got [${raw.shape}]`,
    );
  }
  let ids: unknown;
  try {
    ids = JSON.parse(contents.metadata.ids ?? 'null');
  } catch {
    ids = null;
  }
  if (!Array.isArray(ids) || ids.length !== raw.shape[0] || !ids.every((x) => typeof x === 'string')) {
    throw new EmbeddingFileError(
      `${path}: metadata "ids" must be a JSON array of ${raw.shape[0]} kidney ids`,
    );
  }
  const views = raw.shape.length === 3 ? raw.shape[1] : 1;
  const dim = raw.shape[raw.shape.length - 1];
  const data = Float32Array.from(toFloat32(raw));
  for (let r = 0; r < ids.length * views; r++) normalizeInPlace(data.subarray(r * dim, (r + 1) * dim));
  return { ids: ids as string[], views, dim, data };
}
