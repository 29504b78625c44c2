/**
 * A small, independent reader of renal CT reports for the tests: it knows radiology vocabulary, not the
 * generator's templates, and returns for each of the 14 attributes the class the text states, or null
 * when the text says nothing about it. Sentences about a second lesion are ignored for the dominant mass.
 */

/** Parsed classes per attribute name (null = not mentioned). */
export type Parsed = Record<string, number | null>;

const NEGATION = /\b(no|not|without|absent|non-enhancing|does not)\b/i;

function sentences(text: string): string[] {
  return text
    .replace(/^(Findings|Impression):\s*/gim, '')
    .split(/(?<=\.)\s+|\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The first class whose pattern matches, over all sentences that mention `anchor`; conflicts → NaN. */
function classify(
  all: string[],
  anchor: RegExp,
  rules: Array<[RegExp, number]>,
  negated?: number,
): number | null {
  let found: number | null = null;
  for (const s of all) {
    if (!anchor.test(s)) continue;
    let value: number | null = null;
    if (negated !== undefined && NEGATION.test(s)) value = negated;
    else {
      for (const [pattern, cls] of rules) {
        if (pattern.test(s)) {
          value = cls;
          break;
        }
      }
    }
    if (value === null) continue;
    if (found !== null && found !== value) return Number.NaN;
    found = value;
  }
  return found;
}

function sizeClass(all: string[]): number | null {
  let max = -1;
  for (const s of all) {
    const re = /(\d+(?:\.\d+)?)(?:\s*[×x]\s*(\d+(?:\.\d+)?))?(?:\s*[×x]\s*(\d+(?:\.\d+)?))?\s*(cm|mm)\b/g;
    for (const m of s.matchAll(re)) {
      const scale = m[4] === 'mm' ? 0.1 : 1;
      for (const v of [m[1], m[2], m[3]]) if (v) max = Math.max(max, Number(v) * scale);
    }
  }
  if (max < 0) return null;
  const cm = Math.round(max * 10) / 10;
  return cm <= 2 ? 0 : cm <= 4 ? 1 : cm <= 7 ? 2 : cm <= 10 ? 3 : 4;
}

function location(all: string[]): number | null {
  let found: number | null = null;
  for (const s of all) {
    let value: number | null = null;
    if (/\b(hilum|hilar)\b/i.test(s)) value = 6;
    else {
      const up = /\b(upper|superior) pole\b/i.test(s);
      const low = /\b(lower|inferior) pole\b/i.test(s);
      const mid = /\binterpolar\b|\bmid kidney\b/i.test(s);
      if (up && low) value = 5;
      else if (up && mid) value = 1;
      else if (mid && low) value = 3;
      else if (up) value = 0;
      else if (low) value = 4;
      else if (mid) value = 2;
    }
    if (value === null) continue;
    if (found !== null && found !== value) return Number.NaN;
    found = value;
  }
  return found;
}

/** Reads a report into attribute classes. */
export function parseReport(report: string): Parsed {
  const every = sentences(report);
  const second = /\b(second|separate|separately|additional)\b/i;
  const all = every.filter((s) => !second.test(s));
  const count = (() => {
    if (every.some((s) => /\b(two|multiple|several)\b.*\b(lesions|masses)\b|\bsecond lesion\b/i.test(s)))
      return 2;
    if (
      every.some((s) =>
        /\bno (focal |discrete )?(renal )?(mass|lesion)\b|\bnormal (left|right) kidney\b/i.test(s),
      )
    )
      return 0;
    return every.some((s) => /\b(mass|lesion|cyst)\b/i.test(s)) ? 1 : null;
  })();
  const enhancementSentences = all.filter((s) => /enhanc|\bscar\b/i.test(s) && !/mural nodule/i.test(s));
  return {
    lesion_count: count,
    composition: classify(all, /\b(solid|cystic|cyst)\b/i, [
      [/\b(predominantly|largely|mostly) solid\b/i, 1],
      [/\b(predominantly|largely|mostly) cystic\b/i, 2],
      [/\bsolid\b/i, 0],
      [/\bcystic\b|\bcyst\b/i, 3],
    ]),
    size: sizeClass(all),
    macroscopic_fat: classify(all, /\bfat\b|\bfatty\b/i, [[/fat/i, 1]], 0),
    enhancement_degree: classify(
      enhancementSentences,
      /enhanc/i,
      [
        [/\b(intense|intensely|avid|avidly)\b/i, 4],
        [/\b(marked|markedly)\b/i, 3],
        [/\b(moderate|moderately)\b/i, 2],
        [/\b(mild|mildly)\b/i, 1],
      ],
      0,
    ),
    enhancement_pattern: classify(enhancementSentences, /enhanc|\bscar\b/i, [
      [/\bcentral (stellate )?scar\b/i, 3],
      [/\b(peripheral|rim)\b/i, 2],
      [/\bheterogeneous(ly)?\b/i, 1],
      [/\bhomogeneous(ly)?\b/i, 0],
    ]),
    attenuation: classify(all, /attenuat|dense|fluid|\bof fat\b|predominantly of fat|predominantly fat/i, [
      [/\b(hyperdense|high-attenuation|hyperattenuating)\b.*\bfluid\b|\bfluid\b.*\bhyperdense\b/i, 2],
      [/\bfluid\b|\bwater\b/i, 1],
      [/\bpredominantly (of )?fat\b/i, 0],
      [/\bmixed (attenuation|density)\b|\battenuation is mixed\b/i, 6],
      [/\b(hypoattenuating|hypodense)\b/i, 3],
      [/\b(isoattenuating|isodense)\b/i, 4],
      [/\b(hyperattenuating|hyperdense)\b/i, 5],
    ]),
    margin: classify(all, /defined|circumscribed|lobulated|infiltrative|marginated|margins?\b/i, [
      [/\b(ill-defined|poorly defined|infiltrative)\b/i, 2],
      [/\blobulated\b/i, 1],
      [/\b(well-defined|well-circumscribed|sharply marginated)\b/i, 0],
    ]),
    location: location(all),
    calcification: classify(
      all,
      /calcif/i,
      [
        [/\b(peripheral|rim|mural)\b/i, 3],
        [/\bcoarse\b/i, 2],
        [/\bpunctate\b/i, 1],
      ],
      0,
    ),
    necrosis: classify(
      all,
      /necro/i,
      [
        [/\b(extensive|large)\b/i, 2],
        [/\b(focal|small)\b/i, 1],
      ],
      0,
    ),
    bosniak: classify(all, /bosniak/i, [
      [/bosniak (class )?iif\b/i, 2],
      [/bosniak (class )?iv\b/i, 4],
      [/bosniak (class )?iii\b/i, 3],
      [/bosniak (class )?ii\b/i, 1],
      [/bosniak (class )?i\b/i, 0],
    ]),
    invasion: classify(
      all,
      /perinephric|perirenal|sinus|renal vein|vena cava|\bivc\b|confined|extrarenal/i,
      [
        [/vena cava|\bivc\b/i, 4],
        [/renal vein/i, 3],
        [/sinus/i, 2],
        [/perinephric|perirenal/i, 1],
        [/confined/i, 0],
      ],
      0,
    ),
    collecting_system: classify(all, /collecting system|pelvicalyceal|renal pelvis/i, [
      [/\b(spared|clear of|separate from|unremarkable|not dilated|uninvolved)\b/i, 0],
      [/\b(invades|invaded|extension into|extends into)\b/i, 2],
      [/\b(abuts|abutting|compressed|displaced|in contact)\b/i, 1],
    ]),
  };
}
