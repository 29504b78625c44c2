import type { Llama3Tokenizer } from './llama3-tokenizer.js';

/**
 * A pruned vocabulary: the tokens a corpus uses (plus a few always kept), renumbered 0…n−1, with the
 * mapping to the tokenizer's original ids kept so a small model need not carry Llama-3's 128k-row
 * embedding. Ids outside the kept set map to `fallbackId` (by default the new id of EOS).
 */
export class VocabMap {
  private readonly toNew: Map<number, number>;
  readonly fallbackId: number;

  /** @param keptIds original id of each new id, in new-id order */
  constructor(
    readonly keptIds: Int32Array,
    fallbackOriginalId?: number,
  ) {
    this.toNew = new Map(Array.from(keptIds, (orig, i) => [orig, i]));
    this.fallbackId = fallbackOriginalId === undefined ? 0 : (this.toNew.get(fallbackOriginalId) ?? 0);
  }

  /** Number of ids after pruning (the model's `vocab_size`). */
  get size(): number {
    return this.keptIds.length;
  }

  /**
   * Builds a map from the tokens a corpus uses, plus `alwaysKeep` (special and mask tokens); kept ids stay
   * in their original order so the mapping is monotone.
   */
  static fromCorpus(
    tokenizer: Llama3Tokenizer,
    texts: Iterable<string>,
    alwaysKeep: Iterable<number>,
    fallbackOriginalId?: number,
  ): VocabMap {
    const used = new Set<number>(alwaysKeep);
    for (const text of texts) for (const id of tokenizer.encode(text)) used.add(id);
    return new VocabMap(Int32Array.from([...used].sort((a, b) => a - b)), fallbackOriginalId);
  }

  /** New id of an original id (the fallback when it was pruned). */
  toModel(originalId: number): number {
    return this.toNew.get(originalId) ?? this.fallbackId;
  }

  /** True when an original id survived pruning. */
  has(originalId: number): boolean {
    return this.toNew.has(originalId);
  }

  /** Original id of a model id. */
  toOriginal(modelId: number): number {
    return this.keptIds[modelId];
  }

  /** Rows of a `[originalVocab, D]` matrix kept by this map, as `[size, D]`. */
  pruneRows(matrix: Float32Array, width: number): Float32Array {
    const out = new Float32Array(this.size * width);
    this.keptIds.forEach((orig, i) => {
      out.set(matrix.subarray(orig * width, (orig + 1) * width), i * width);
    });
    return out;
  }

  /** JSON form (`{kept_ids, fallback_id}`) stored beside a pruned model. */
  toJSON(): { kept_ids: number[]; fallback_original_id: number } {
    return { kept_ids: Array.from(this.keptIds), fallback_original_id: this.keptIds[this.fallbackId] };
  }

  /** Inverse of {@link toJSON}. */
  static fromJSON(json: { kept_ids: number[]; fallback_original_id?: number }): VocabMap {
    return new VocabMap(Int32Array.from(json.kept_ids), json.fallback_original_id);
  }
}
