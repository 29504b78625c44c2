/**
 * The 14 report-derived attributes, as data. Class counts follow the RenalCLIP code
 * (3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3) so attribute heads match the official checkpoints' shapes;
 * names and classes are ours, chosen to be clinically meaningful and visible on CT.
 */

/** One attribute: its key in reports and tables, a description, and its classes in label order. */
export interface AttributeSpec {
  /** Index in the 14-element `attributes` array. */
  readonly index: number;
  /** Stable snake_case key. */
  readonly name: string;
  /** What the attribute describes, for documentation. */
  readonly description: string;
  /** Class names, label `c` is `classes[c]`. */
  readonly classes: readonly string[];
}

const SPECS: ReadonlyArray<Omit<AttributeSpec, 'index'>> = [
  {
    name: 'lesion_count',
    description: 'Number of renal masses in this kidney.',
    classes: ['none', 'single', 'multiple'],
  },
  {
    name: 'composition',
    description: 'Solid/cystic make-up of the dominant mass.',
    classes: ['solid', 'predominantly solid', 'predominantly cystic', 'cystic'],
  },
  {
    name: 'size',
    description: 'Largest diameter of the dominant mass as reported (cm): ≤2, 2–4, 4–7, 7–10, >10.',
    classes: ['<=2 cm', '2-4 cm', '4-7 cm', '7-10 cm', '>10 cm'],
  },
  {
    name: 'macroscopic_fat',
    description: 'Macroscopic (fat-attenuation) fat within the dominant mass.',
    classes: ['absent', 'present'],
  },
  {
    name: 'enhancement_degree',
    description: 'Peak enhancement over unenhanced attenuation (HU): <15, 15–40, 40–80, 80–120, >120.',
    classes: ['none', 'mild', 'moderate', 'marked', 'intense'],
  },
  {
    name: 'enhancement_pattern',
    description: 'Spatial pattern of enhancement of an enhancing mass (unknown when it does not enhance).',
    classes: ['homogeneous', 'heterogeneous', 'peripheral', 'central scar'],
  },
  {
    name: 'attenuation',
    description: 'Dominant attenuation on the unenhanced (N) phase.',
    classes: [
      'fat',
      'fluid',
      'hyperdense fluid',
      'hypoattenuating solid',
      'isoattenuating solid',
      'hyperattenuating solid',
      'mixed',
    ],
  },
  {
    name: 'margin',
    description: 'Margin of the dominant mass.',
    classes: ['well-defined', 'lobulated', 'ill-defined'],
  },
  {
    name: 'location',
    description: 'Craniocaudal extent of the dominant mass, or central (hilar).',
    classes: [
      'upper pole',
      'upper pole to interpolar',
      'interpolar',
      'interpolar to lower pole',
      'lower pole',
      'upper to lower pole',
      'hilar',
    ],
  },
  {
    name: 'calcification',
    description: 'Calcification in the dominant mass (or the kidney when there is none).',
    classes: ['none', 'punctate', 'coarse', 'peripheral'],
  },
  {
    name: 'necrosis',
    description: 'Non-enhancing necrotic component of a solid mass.',
    classes: ['none', 'focal', 'extensive'],
  },
  {
    name: 'bosniak',
    description: 'Bosniak (2019) class of a cystic or predominantly cystic mass (unknown for solid masses).',
    classes: ['I', 'II', 'IIF', 'III', 'IV'],
  },
  {
    name: 'invasion',
    description: 'Furthest local extension of the dominant mass.',
    classes: ['confined', 'perinephric fat', 'renal sinus fat', 'renal vein', 'inferior vena cava'],
  },
  {
    name: 'collecting_system',
    description: 'Relation of the dominant mass to the collecting system.',
    classes: ['uninvolved', 'abutting', 'invaded'],
  },
];

/** The 14 attributes in label order; `ATTRIBUTES[a].classes.length` is the head size of attribute `a`. */
export const ATTRIBUTES: readonly AttributeSpec[] = SPECS.map((spec, index) => ({ index, ...spec }));

/** Class counts of the 14 attributes: 3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3. */
export const ATTRIBUTE_CLASS_COUNTS: readonly number[] = ATTRIBUTES.map((a) => a.classes.length);

/** Attribute names in label order. */
export type AttributeName =
  | 'lesion_count'
  | 'composition'
  | 'size'
  | 'macroscopic_fat'
  | 'enhancement_degree'
  | 'enhancement_pattern'
  | 'attenuation'
  | 'margin'
  | 'location'
  | 'calcification'
  | 'necrosis'
  | 'bosniak'
  | 'invasion'
  | 'collecting_system';

/** Label value meaning "not stated in the report" (masked in the loss). */
export const UNKNOWN = -1;

/** Index of an attribute by name. */
export function attributeIndex(name: AttributeName): number {
  const index = ATTRIBUTES.findIndex((a) => a.name === name);
  if (index < 0) throw new Error(`renal-synth: no attribute named ${name}`);
  return index;
}
