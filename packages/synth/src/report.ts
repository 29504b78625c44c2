/**
 * Free-text radiology reports per kidney ("Findings: …\nImpression: …") in varied phrasing. Every known
 * attribute is stated with its own vocabulary, no unknown attribute is mentioned, and nothing contradicts the
 * labels: the vocabularies of different attributes never overlap (documented in the README).
 */
import type { Rng } from 'renal-core';
import type { MassFeatures } from './mass.js';
import { reportedDiametersCm } from './mass.js';
import { sizeClass } from './attributes.js';
import type { MassGeometry } from './renal.js';
import { renalTotal } from './renal.js';
import { ATTRIBUTES, UNKNOWN } from './schema.js';
import type { RenalScore, Side } from './types.js';

/** What the report of one kidney is written from. */
export interface ReportInput {
  side: Side;
  /** Observed labels (after noise and gaps): what the report states. */
  labels: number[];
  /** Masses, dominant first (features the radiologist sees but that are not labels). */
  masses: MassFeatures[];
  geometry: MassGeometry[];
  /** Probability of malignancy of the dominant mass given its features (drives the impression). */
  malignancyProbability: number;
  renal: RenalScore | null;
}

const A = Object.fromEntries(ATTRIBUTES.map((a) => [a.name, a.index])) as Record<string, number>;

function pick<T>(rng: Rng, options: readonly T[]): T {
  return options[rng.int(options.length)];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function article(next: string): string {
  return /^([aeiou]|8|11|18)/i.test(next) ? 'an' : 'a';
}

const COMPOSITION: readonly (readonly string[])[] = [
  ['solid mass', 'solid lesion'],
  ['predominantly solid mass', 'largely solid mass'],
  ['predominantly cystic mass', 'largely cystic lesion'],
  ['cystic lesion', 'cystic mass'],
];

const MARGIN_ADJECTIVE: readonly (readonly string[])[] = [
  ['well-defined', 'well-circumscribed'],
  ['lobulated'],
  ['ill-defined', 'poorly defined'],
];

const MARGIN_SENTENCE: readonly (readonly string[])[] = [
  ['The margins are well-defined.', 'It is sharply marginated.', 'Its margins are well-circumscribed.'],
  ['It has a lobulated contour.', 'The margins are lobulated.'],
  ['The margins are ill-defined and infiltrative.', 'Its margins are poorly defined.'],
];

const LOCATION: readonly (readonly string[])[] = [
  ['in the upper pole', 'at the superior pole'],
  [
    'in the upper pole, extending into the interpolar region',
    'at the junction of the upper pole and interpolar region',
  ],
  ['in the interpolar region', 'in the mid kidney'],
  [
    'in the interpolar region, extending to the lower pole',
    'at the junction of the interpolar region and lower pole',
  ],
  ['in the lower pole', 'at the inferior pole'],
  ['spanning the upper pole to the lower pole', 'extending from the upper pole to the lower pole'],
  ['at the renal hilum', 'centrally, in the hilar region'],
];

const ATTENUATION: readonly (readonly string[])[] = [
  ['The lesion is predominantly of fat attenuation.', 'It is composed predominantly of fat.'],
  ['It is of simple fluid attenuation ({hu} HU).', 'Its contents are of fluid attenuation.'],
  [
    'It contains hyperdense fluid ({hu} HU), in keeping with proteinaceous or haemorrhagic content.',
    'The contents are of high-attenuation fluid.',
  ],
  [
    'On the unenhanced images it is hypoattenuating to the renal parenchyma.',
    'It is hypodense on the non-contrast phase.',
  ],
  [
    'On the unenhanced images it is isoattenuating to the renal parenchyma.',
    'It is isodense on the non-contrast phase.',
  ],
  [
    'On the unenhanced images it is hyperattenuating to the renal parenchyma.',
    'It is hyperdense on the non-contrast phase.',
  ],
  ['It is of mixed attenuation on the unenhanced images.', 'Unenhanced attenuation is mixed.'],
];

const DEGREE_ADVERB = ['', 'mildly', 'moderately', 'markedly', 'intensely'];
const DEGREE_ADJECTIVE = ['', 'mild', 'moderate', 'marked', 'avid'];
const PATTERN_ADVERB = ['homogeneously', 'heterogeneously'];
const PATTERN_ADJECTIVE = ['homogeneous', 'heterogeneous'];

const CALCIFICATION: readonly (readonly string[])[] = [
  [],
  ['Punctate calcifications are present.', 'There are a few punctate calcific foci.'],
  ['Coarse calcification is noted.', 'It contains coarse calcifications.'],
  ['There is peripheral mural calcification.', 'Rim calcification is present.'],
];

const NECROSIS: readonly (readonly string[])[] = [
  [],
  ['There is focal necrosis.', 'A small area of necrosis is present.'],
  ['There is extensive central necrosis.', 'A large necrotic component is present.'],
];

const BOSNIAK_DESCRIPTOR = [
  'The wall is thin and smooth.',
  'A few thin septa are present.',
  'The wall is minimally thickened and smooth.',
  'The wall and septa are thick and irregular.',
  'There is an enhancing mural nodule.',
];

const INVASION: readonly (readonly string[])[] = [
  [
    'The mass appears confined to the kidney.',
    'There is no perinephric invasion or venous tumour thrombus.',
    'No extrarenal extension is seen.',
  ],
  [
    'There is nodular stranding in the perinephric space, suspicious for perinephric invasion.',
    'Perinephric invasion is suspected.',
  ],
  ['The tumour extends into the renal sinus.', 'There is invasion of the renal sinus.'],
  ['There is tumour thrombus in the renal vein.', 'The renal vein is expanded by tumour thrombus.'],
  [
    'Tumour thrombus extends from the renal vein into the inferior vena cava.',
    'There is tumour thrombus in the renal vein extending into the IVC.',
  ],
];

const COLLECTING: readonly (readonly string[])[] = [
  [
    'The collecting system is spared.',
    'It is clear of the collecting system.',
    'The pelvicalyceal system is unremarkable.',
  ],
  ['It abuts the collecting system.', 'The adjacent collecting system is compressed.'],
  ['It invades the collecting system.', 'There is extension into the pelvicalyceal system.'],
];

function known(labels: number[], name: string): boolean {
  return labels[A[name]] !== UNKNOWN;
}

function label(labels: number[], name: string): number {
  return labels[A[name]];
}

/** Representative largest diameter (cm) of each size class, for a report whose size label was misstated. */
const SIZE_CLASS_CM = [1.6, 3.1, 5.4, 8.4, 11.2];

/** The measurements a report states: the true ones, rescaled into the labelled size class if it differs. */
function statedDiametersCm(m: MassFeatures, sizeLabel: number): [number, number, number] {
  const dims = reportedDiametersCm(m);
  if (sizeLabel === UNKNOWN || sizeClass(Math.max(...dims)) === sizeLabel) return dims;
  const scale = SIZE_CLASS_CM[sizeLabel] / Math.max(...dims);
  return dims.map((d) => Math.round(d * scale * 10) / 10) as [number, number, number];
}

function formatSize(rng: Rng, m: MassFeatures, sizeLabel: number): string {
  const [a, b, c] = statedDiametersCm(m, sizeLabel);
  const max = Math.max(a, b, c);
  const axialHoldsMax = a >= c;
  const style = rng.int(4);
  if (style === 0 && axialHoldsMax) return `${a.toFixed(1)} × ${b.toFixed(1)} cm`;
  if (style === 1 && axialHoldsMax) return `${Math.round(a * 10)} × ${Math.round(b * 10)} mm`;
  if (style === 2) return `${a.toFixed(1)} x ${b.toFixed(1)} x ${c.toFixed(1)} cm`;
  return `up to ${max.toFixed(1)} cm`;
}

/** The opening sentence: count, size, margin, composition and location of the dominant mass. */
function introduction(rng: Rng, input: ReportInput, sideWord: string, inlineMargin: boolean): string {
  const { labels } = input;
  const m = input.masses[0];
  const noun = known(labels, 'composition')
    ? pick(rng, COMPOSITION[label(labels, 'composition')])
    : pick(rng, ['mass', 'lesion', 'renal mass']);
  const margin = inlineMargin ? `${pick(rng, MARGIN_ADJECTIVE[label(labels, 'margin')])} ` : '';
  const size = known(labels, 'size') ? formatSize(rng, m, label(labels, 'size')) : '';
  const location = known(labels, 'location') ? pick(rng, LOCATION[label(labels, 'location')]) : 'in';
  const where = known(labels, 'location')
    ? `${location} of the ${sideWord} kidney`
    : `in the ${sideWord} kidney`;
  const solitary = label(labels, 'lesion_count') === 1 && rng.bernoulli(0.3) ? 'solitary ' : '';
  const measuring = size ? ` measuring ${size}` : '';
  switch (rng.int(3)) {
    case 0: {
      const phrase = `${solitary}${margin}${noun}${measuring}`;
      return `${capitalise(article(phrase))} ${phrase} is seen ${where}.`;
    }
    case 1: {
      const phrase = `${solitary}${margin}${noun}${measuring}`;
      const loc = known(labels, 'location') ? ` ${location}` : '';
      return `The ${sideWord} kidney contains ${article(phrase)} ${phrase}${loc}.`;
    }
    default: {
      const sizePrefix = size && !size.startsWith('up to') ? `${size} ` : '';
      const phrase = `${solitary}${sizePrefix}${margin}${noun}`;
      const tail = size && !sizePrefix ? measuring : '';
      return `There is ${article(phrase)} ${phrase}${tail} ${where}.`;
    }
  }
}

function kineticsClause(rng: Rng, m: MassFeatures): string {
  const rise = m.composition >= 2 && !m.nodule ? m.wallRise : m.solidRise;
  const [a, v, d] = rise;
  if (Math.max(a, v, d) < 15 || rng.bernoulli(0.4)) return '';
  if (a >= v && a >= d) {
    return (a - d) / a > 0.3
      ? pick(rng, [', with washout on the excretory phase', ', with washout on delayed images'])
      : ', persisting into the nephrographic phase';
  }
  return ', increasing progressively into the nephrographic and excretory phases';
}

/** The enhancement sentence(s): degree and/or pattern, with the time course when the degree is stated. */
function enhancement(rng: Rng, input: ReportInput): string[] {
  const { labels } = input;
  const m = input.masses[0];
  const degree = known(labels, 'enhancement_degree') ? label(labels, 'enhancement_degree') : UNKNOWN;
  const pattern = known(labels, 'enhancement_pattern') ? label(labels, 'enhancement_pattern') : UNKNOWN;
  const out: string[] = [];
  if (degree === 0) {
    out.push(
      pick(rng, [
        'It does not enhance.',
        'No enhancement is demonstrated after contrast.',
        'The lesion is non-enhancing.',
      ]),
    );
  }
  if (degree > 0) {
    const kinetics = kineticsClause(rng, m);
    if (pattern === 0 || pattern === 1) {
      out.push(
        rng.bernoulli(0.5)
          ? `It enhances ${DEGREE_ADVERB[degree]} and ${PATTERN_ADVERB[pattern]} on the corticomedullary phase${kinetics}.`
          : `There is ${DEGREE_ADJECTIVE[degree]}, ${PATTERN_ADJECTIVE[pattern]} enhancement${kinetics}.`,
      );
      return out;
    }
    if (pattern === 2) {
      out.push(
        `There is ${DEGREE_ADJECTIVE[degree]} peripheral enhancement of the wall and septa${kinetics}.`,
      );
      return out;
    }
    if (pattern === 3) {
      out.push(`It enhances ${DEGREE_ADVERB[degree]}${kinetics}, with a central stellate scar.`);
      return out;
    }
    out.push(
      rng.bernoulli(0.5)
        ? `It enhances ${DEGREE_ADVERB[degree]}${kinetics}.`
        : `There is ${DEGREE_ADJECTIVE[degree]} enhancement on the corticomedullary phase${kinetics}.`,
    );
    return out;
  }
  if (pattern === 0 || pattern === 1) {
    out.push(
      pick(rng, [`Enhancement is ${PATTERN_ADJECTIVE[pattern]}.`, `It enhances ${PATTERN_ADVERB[pattern]}.`]),
    );
  } else if (pattern === 2) {
    out.push('Enhancement is peripheral, limited to the wall and septa.');
  } else if (pattern === 3) {
    out.push('A central stellate scar is present.');
  }
  return out;
}

/** One sentence listing absent features ("No macroscopic fat, calcification or necrosis."). */
function negatives(rng: Rng, items: string[]): string | null {
  if (items.length === 0) return null;
  const list =
    items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
  return pick(rng, [`No ${list} is seen.`, `There is no ${list}.`, `No ${list} is identified.`]);
}

function findingsForMass(rng: Rng, input: ReportInput, sideWord: string): string[] {
  const { labels } = input;
  const m = input.masses[0];
  const inlineMargin = known(labels, 'margin') && rng.bernoulli(0.5);
  const first: string[] = [];
  if (label(labels, 'lesion_count') === 2) {
    first.push(
      pick(rng, [
        `There are two lesions in the ${sideWord} kidney.`,
        `Two renal lesions are present on the ${sideWord}.`,
      ]),
    );
  }
  first.push(introduction(rng, input, sideWord, inlineMargin));
  const middle: string[] = [];
  if (known(labels, 'margin') && !inlineMargin)
    middle.push(pick(rng, MARGIN_SENTENCE[label(labels, 'margin')]));
  if (known(labels, 'attenuation')) {
    middle.push(
      pick(rng, ATTENUATION[label(labels, 'attenuation')]).replace('{hu}', String(Math.round(m.fluidHU))),
    );
  }
  middle.push(...enhancement(rng, input));
  if (known(labels, 'bosniak')) {
    const b = label(labels, 'bosniak');
    const name = ATTRIBUTES[A.bosniak].classes[b];
    middle.push(
      pick(rng, [
        `It is a Bosniak ${name} lesion.`,
        `Bosniak class ${name}.`,
        `Features are compatible with Bosniak ${name}.`,
      ]),
    );
    if (m.bosniak >= 0 && rng.bernoulli(0.6)) middle.push(BOSNIAK_DESCRIPTOR[m.bosniak]);
  }
  const absent: string[] = [];
  const present = (name: string, bank: readonly (readonly string[])[], negative: string) => {
    if (!known(labels, name)) return;
    const value = label(labels, name);
    if (value === 0) absent.push(negative);
    else middle.push(pick(rng, bank[value]));
  };
  present(
    'macroscopic_fat',
    [
      [],
      [
        'Macroscopic fat is present.',
        'There are foci of macroscopic fat within the lesion.',
        'It contains intralesional fat.',
      ],
    ],
    pick(rng, ['macroscopic fat', 'intralesional fat']),
  );
  present('calcification', CALCIFICATION, 'calcification');
  present('necrosis', NECROSIS, 'necrosis');
  rng.shuffle(absent);
  if (known(labels, 'invasion')) middle.push(pick(rng, INVASION[label(labels, 'invasion')]));
  if (known(labels, 'collecting_system'))
    middle.push(pick(rng, COLLECTING[label(labels, 'collecting_system')]));
  const none = negatives(rng, absent);
  if (none) middle.push(none);
  rng.shuffle(middle);
  const last: string[] = [];
  if (input.masses.length > 1) {
    const second = input.masses[1];
    const size = Math.max(...reportedDiametersCm(second)).toFixed(1);
    last.push(`The second lesion is a ${size} cm simple cyst elsewhere in the ${sideWord} kidney.`);
  }
  // The score restates the true size (R); skip it when the report misstates the size.
  const sizeLabel = label(labels, 'size');
  const sizeTrue = sizeLabel === UNKNOWN || sizeClass(Math.max(...reportedDiametersCm(m))) === sizeLabel;
  if (input.renal && sizeTrue && rng.bernoulli(0.3)) {
    const r = input.renal;
    last.push(`R.E.N.A.L. nephrometry score ${renalTotal(r)}${r.A}${r.H ? 'h' : ''}.`);
  }
  return [...first, ...middle, ...last];
}

function impressionForMass(rng: Rng, input: ReportInput, sideWord: string): string[] {
  const { labels } = input;
  const m = input.masses[0];
  const Side = capitalise(sideWord);
  const composition = known(labels, 'composition') ? label(labels, 'composition') : UNKNOWN;
  const size = known(labels, 'size')
    ? `${Math.max(...statedDiametersCm(m, label(labels, 'size'))).toFixed(1)} cm `
    : '';
  const noun =
    composition === UNKNOWN
      ? 'renal mass'
      : COMPOSITION[composition][0].replace(/ (mass|lesion)$/, ' renal $1');
  const out: string[] = [];
  if (m.fatFraction > 0) {
    const fat = known(labels, 'macroscopic_fat') && label(labels, 'macroscopic_fat') === 1;
    out.push(
      fat
        ? `${size ? `${capitalise(size)}f` : 'F'}at-containing ${sideWord} ${noun}, consistent with angiomyolipoma.`
        : `${Side} ${size}${noun}, most likely angiomyolipoma.`,
    );
  } else if (composition >= 2 || (composition === UNKNOWN && m.composition >= 2)) {
    const b = known(labels, 'bosniak') ? label(labels, 'bosniak') : m.bosniak;
    const name = known(labels, 'bosniak') ? `Bosniak ${ATTRIBUTES[A.bosniak].classes[b]} ` : '';
    const advice =
      b <= 1
        ? pick(rng, ['benign; no follow-up is required.', 'almost certainly benign.'])
        : b === 2
          ? pick(rng, [
              'probably benign; follow-up imaging is recommended.',
              'follow-up imaging in 6–12 months is advised.',
            ])
          : b === 3
            ? 'indeterminate and suspicious for malignancy; urological referral is recommended.'
            : 'likely malignant; surgical management is recommended.';
    out.push(name ? `${name}${sideWord} ${size}${noun}, ${advice}` : `${Side} ${size}${noun}, ${advice}`);
  } else {
    const p = input.malignancyProbability;
    const judgement =
      p >= 0.8
        ? pick(rng, ['highly suspicious for renal cell carcinoma', 'in keeping with renal cell carcinoma'])
        : p >= 0.5
          ? pick(rng, ['suspicious for renal cell carcinoma', 'probably renal cell carcinoma'])
          : p >= 0.25
            ? 'indeterminate; renal cell carcinoma and oncocytoma are the main considerations'
            : pick(rng, [
                'likely benign, oncocytoma or lipid-poor angiomyolipoma favoured',
                'probably benign',
              ]);
    const subtype =
      p >= 0.5 && m.family === 'clear_cell_like' && rng.bernoulli(0.5)
        ? ' (clear cell subtype favoured)'
        : p >= 0.5 && m.family === 'papillary_like' && rng.bernoulli(0.5)
          ? ' (papillary subtype favoured)'
          : '';
    out.push(`${Side} ${size}${noun}, ${judgement}${subtype}.`);
  }
  const invasion = known(labels, 'invasion') ? label(labels, 'invasion') : 0;
  if (invasion === 3) out.push('Tumour thrombus in the renal vein.');
  if (invasion === 4) out.push('Tumour thrombus extending into the inferior vena cava.');
  return out;
}

/** Writes the report of one kidney. */
export function writeReport(rng: Rng, input: ReportInput): string {
  const sideWord = input.side === 'L' ? 'left' : 'right';
  if (input.masses.length === 0) {
    const findings = [
      pick(rng, [
        `The ${sideWord} kidney is normal in size and contour.`,
        `The ${sideWord} kidney is unremarkable.`,
      ]),
    ];
    const calcium = known(input.labels, 'calcification');
    findings.push(
      calcium && rng.bernoulli(0.5)
        ? 'No renal mass or calcification is identified.'
        : pick(rng, ['No focal renal lesion.', 'No renal mass is identified.']),
    );
    if (calcium && !findings[1].includes('calcification')) findings.push('No calcification.');
    if (known(input.labels, 'collecting_system')) {
      findings.push(
        pick(rng, ['The collecting system is not dilated.', 'The pelvicalyceal system is unremarkable.']),
      );
    }
    const impression = pick(rng, [`Normal ${sideWord} kidney.`, `No ${sideWord} renal mass.`]);
    return `Findings: ${findings.join(' ')}\nImpression: ${impression}`;
  }
  const findings = findingsForMass(rng, input, sideWord);
  const impression = impressionForMass(rng, input, sideWord);
  return `Findings: ${findings.join(' ')}\nImpression: ${impression.join(' ')}`;
}
