/**
 * Report-generation metrics: corpus BLEU-n (Papineni et al. 2002, as NLTK's `corpus_bleu` without smoothing)
 * and ROUGE-L (F-measure with β = 1.2, as the COCO caption evaluation computes it), on lower-cased word tokens.
 */

/** Lower-cased word tokens: runs of letters/digits, keeping decimals such as "4.3" whole. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:\.[0-9]+)?/g) ?? [];
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Corpus BLEU with uniform weights over 1…maxN-grams and one reference per hypothesis: clipped n-gram
 * precisions summed over the corpus, geometric mean, brevity penalty exp(1 − r/c) when c < r. Zero when any
 * precision is zero (no smoothing).
 */
export function corpusBleu(hypotheses: string[], references: string[], maxN = 4): number {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`${hypotheses.length} hypotheses but ${references.length} references`);
  }
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let hypLength = 0;
  let refLength = 0;
  for (let s = 0; s < hypotheses.length; s++) {
    const hyp = tokenize(hypotheses[s]);
    const ref = tokenize(references[s]);
    hypLength += hyp.length;
    refLength += ref.length;
    for (let n = 1; n <= maxN; n++) {
      const refCounts = ngramCounts(ref, n);
      for (const [gram, count] of ngramCounts(hyp, n))
        matches[n - 1] += Math.min(count, refCounts.get(gram) ?? 0);
      totals[n - 1] += Math.max(0, hyp.length - n + 1);
    }
  }
  if (hypLength === 0) return 0;
  let logSum = 0;
  for (let n = 0; n < maxN; n++) {
    if (matches[n] === 0) return 0;
    logSum += Math.log(matches[n] / totals[n]) / maxN;
  }
  const brevity = hypLength < refLength ? Math.exp(1 - refLength / hypLength) : 1;
  return brevity * Math.exp(logSum);
}

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    previous = current;
  }
  return previous[b.length];
}

/** ROUGE-L F-measure of one hypothesis against one reference (β = 1.2). */
export function rougeL(hypothesis: string, reference: string, beta = 1.2): number {
  const hyp = tokenize(hypothesis);
  const ref = tokenize(reference);
  const lcs = lcsLength(hyp, ref);
  if (lcs === 0) return 0;
  const precision = lcs / hyp.length;
  const recall = lcs / ref.length;
  return ((1 + beta * beta) * precision * recall) / (recall + beta * beta * precision);
}

/** BLEU-1/2/4 and mean ROUGE-L of generated reports against the true ones. */
export interface TextMetrics {
  bleu1: number;
  bleu2: number;
  bleu4: number;
  rougeL: number;
}

/** Computes {@link TextMetrics} for paired hypotheses and references. */
export function textMetrics(hypotheses: string[], references: string[]): TextMetrics {
  const rouge = hypotheses.map((h, i) => rougeL(h, references[i]));
  return {
    bleu1: corpusBleu(hypotheses, references, 1),
    bleu2: corpusBleu(hypotheses, references, 2),
    bleu4: corpusBleu(hypotheses, references, 4),
    rougeL: rouge.length ? rouge.reduce((a, b) => a + b, 0) / rouge.length : Number.NaN,
  };
}
