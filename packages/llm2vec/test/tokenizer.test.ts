import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledLlama3TokenizerPath, Llama3Tokenizer } from '../src/index.js';

const golden = JSON.parse(
  readFileSync(new URL('./fixtures/tokenizer-golden.json', import.meta.url), 'utf8'),
) as {
  rows: { text: string; ids: number[] }[];
};

let tokenizer: Llama3Tokenizer;
beforeAll(async () => {
  tokenizer = await Llama3Tokenizer.fromFile(await bundledLlama3TokenizerPath());
});

describe('Llama3Tokenizer', () => {
  it('has the Llama-3 vocabulary and special tokens', () => {
    expect(tokenizer.vocabSize).toBe(128256);
    expect(tokenizer.specialId('<|begin_of_text|>')).toBe(128000);
    expect(tokenizer.specialId('<|end_of_text|>')).toBe(128001);
    expect(tokenizer.specialId('<|eot_id|>')).toBe(128009);
    expect(tokenizer.tokenToId('_')).toBe(62);
  });

  it.each(golden.rows.map((r) => [r.text, r.ids] as const))(
    'matches the independent tokenizer on %j',
    (text, ids) => {
      expect(tokenizer.encode(text)).toEqual(ids);
      expect(tokenizer.decode(ids)).toBe(text);
    },
  );

  it('cuts special tokens out only when allowed', () => {
    const text = '<|start_header_id|>user<|end_header_id|>\n\nrenal mass<|eot_id|>';
    const withSpecial = tokenizer.encode(text, { allowSpecial: true });
    expect(withSpecial[0]).toBe(128006);
    expect(withSpecial.at(-1)).toBe(128009);
    expect(tokenizer.encode(text)).not.toContain(128006);
  });
});
