/**
 * Byte-pair encoding over one pre-tokenized word already in byte-level form: start from single
 * characters and repeatedly merge the adjacent pair with the lowest merge rank until none applies.
 */
export class BytePairEncoder {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  /**
   * @param vocab token string → id
   * @param merges merge rules in priority order, as `"a b"` strings or `[a, b]` pairs
   * @param ignoreMerges when true, a word that is itself a vocabulary entry is emitted whole (Llama-3)
   */
  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    merges: readonly (string | readonly [string, string])[],
    private readonly ignoreMerges: boolean,
  ) {
    merges.forEach((m, rank) => {
      const key = typeof m === 'string' ? m : `${m[0]} ${m[1]}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
  }

  /** Token ids of one byte-level word. */
  encodeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
    const ids = whole !== undefined ? [whole] : this.merge(word).map((piece) => this.idOf(piece));
    if (this.cache.size < 100_000) this.cache.set(word, ids);
    return ids;
  }

  private idOf(piece: string): number {
    const id = this.vocab.get(piece);
    if (id === undefined) throw new Error(`BPE produced '${piece}', which is not in the vocabulary`);
    return id;
  }

  private merge(word: string): string[] {
    const symbols = Array.from(word);
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      // Merge every occurrence of the winning pair, left to right, as the reference BPE does.
      const left = symbols[best];
      const right = symbols[best + 1];
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === left && symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(symbols[i]);
        }
      }
      symbols.splice(0, symbols.length, ...merged);
    }
    return symbols;
  }
}
