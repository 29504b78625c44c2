/**
 * Llama-3's pre-tokenizer: the text is cut into words by one regex before BPE runs on each word.
 * The Hugging Face pattern starts with `(?i:'s|'t|'re|'ve|'m|'ll|'d)`; JavaScript (Node 20) has no inline
 * case-insensitive group, so the contractions are spelled out with character classes — same language.
 */
const CONTRACTIONS = "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";
const LLAMA3_PATTERN = [
  CONTRACTIONS,
  '[^\\r\\n\\p{L}\\p{N}]?\\p{L}+',
  '\\p{N}{1,3}',
  ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');

/**
 * Translates the Hugging Face (Rust/Oniguruma) split pattern to a JavaScript regex. Only the one
 * non-JS construct Llama-family patterns use — `(?i:…)` over ASCII letters — is rewritten.
 */
export function compileSplitPattern(pattern: string): RegExp {
  const rewritten = pattern.replace(/\(\?i:([^)]*)\)/g, (_m, body: string) => {
    const ci = body.replace(/[a-zA-Z]/g, (ch) => `[${ch.toLowerCase()}${ch.toUpperCase()}]`);
    return `(?:${ci})`;
  });
  return new RegExp(rewritten, 'gu');
}

/** The Llama-3 pre-tokenizer regex (global, unicode). */
export const LLAMA3_SPLIT = new RegExp(LLAMA3_PATTERN, 'gu');

/** Cuts text into the words BPE merges within ("Isolated" split: every match is a word, gaps too). */
export function splitWords(text: string, pattern: RegExp = LLAMA3_SPLIT): string[] {
  const words: string[] = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) words.push(text.slice(last, m.index));
    if (m[0].length > 0) words.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) words.push(text.slice(last));
  return words;
}
