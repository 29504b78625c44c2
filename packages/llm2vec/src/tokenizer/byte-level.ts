/**
 * GPT-2's byte-level alphabet: every byte 0–255 is shown as one printable unicode character so a BPE
 * vocabulary can be stored as text. Printable latin-1 bytes stand for themselves; the others (controls,
 * space, …) are shifted to code points 256 and up, in byte order.
 */
function buildByteToChar(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCharCode(printable(b) ? b : 256 + shifted++);
  }
  return table;
}

const BYTE_TO_CHAR = buildByteToChar();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Encodes a string's UTF-8 bytes as byte-level characters (the form BPE vocabularies store). */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Inverse of {@link toByteLevel}; invalid UTF-8 decodes to U+FFFD as Hugging Face does. */
export function fromByteLevel(chars: string): string {
  const bytes: number[] = [];
  for (const c of chars) {
    const b = CHAR_TO_BYTE.get(c);
    if (b !== undefined) bytes.push(b);
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}
