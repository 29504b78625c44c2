import invasivenessData from '../../prompts/invasiveness.json';
import malignancyData from '../../prompts/malignancy.json';
import { PromptSetError } from '../errors.js';

/** One class of a prompt set: its name and the phrases that describe it. */
export interface PromptClass {
  /** Class name, e.g. `malignant`. */
  readonly name: string;
  /** Descriptions substituted into every template, e.g. `a malignant renal tumor`. */
  readonly descriptions: readonly string[];
}

/**
 * Prompts for zero-shot classification: every template (containing one `{}` placeholder) is filled with
 * every description of a class, giving `templates × descriptions` prompts per class.
 */
export interface PromptSet {
  /** Short name of the task. */
  readonly name: string;
  /** What the task is, for reports. */
  readonly description?: string;
  /** Sentence templates, each with exactly one `{}`. */
  readonly templates: readonly string[];
  /** Classes in label order (class k ↔ label k). At least two. */
  readonly classes: readonly PromptClass[];
}

/**
 * Our benign-vs-malignant prompt set (20 templates × 5 descriptions per class, radiology language);
 * label 0 = benign, 1 = malignant. Also shipped as `renal-clip-loss/prompts/malignancy.json`.
 */
export const MALIGNANCY_PROMPTS: PromptSet = validatePromptSet(malignancyData);

/**
 * Our organ-confined-vs-invasive prompt set (20 templates × 5 descriptions per class); label 0 =
 * non-invasive, 1 = invasive. Also shipped as `renal-clip-loss/prompts/invasiveness.json`.
 */
export const INVASIVENESS_PROMPTS: PromptSet = validatePromptSet(invasivenessData);

/**
 * Checks a prompt set (ours or a user's, e.g. parsed from JSON) and returns it typed.
 *
 * @throws {@link PromptSetError} naming the first problem: a template without exactly one `{}`, fewer
 * than two classes, an empty class, duplicate class names, or non-string entries.
 */
export function validatePromptSet(value: unknown): PromptSet {
  if (value === null || typeof value !== 'object') throw new PromptSetError('prompt set must be an object');
  const set = value as Record<string, unknown>;
  const name = typeof set.name === 'string' && set.name.length > 0 ? set.name : undefined;
  if (name === undefined) throw new PromptSetError('prompt set needs a non-empty "name"');
  const templates = stringList(set.templates, `${name}.templates`);
  templates.forEach((template, i) => {
    if (template.split('{}').length !== 2) {
      throw new PromptSetError(
        `${name}.templates[${i}] must contain exactly one "{}" placeholder: "${template}"`,
      );
    }
  });
  if (!Array.isArray(set.classes) || set.classes.length < 2) {
    throw new PromptSetError(`${name}.classes must list at least two classes`);
  }
  const classes = set.classes.map((entry, k) => parseClass(entry, `${name}.classes[${k}]`));
  const names = new Set(classes.map((c) => c.name));
  if (names.size !== classes.length) throw new PromptSetError(`${name}: class names must be unique`);
  const description = typeof set.description === 'string' ? set.description : undefined;
  return { name, description, templates, classes };
}

function parseClass(entry: unknown, where: string): PromptClass {
  if (entry === null || typeof entry !== 'object') throw new PromptSetError(`${where} must be an object`);
  const { name, descriptions } = entry as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0)
    throw new PromptSetError(`${where} needs a non-empty "name"`);
  return { name, descriptions: stringList(descriptions, `${where}.descriptions`) };
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new PromptSetError(`${where} must be a non-empty array`);
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.trim().length === 0) {
      throw new PromptSetError(`${where}[${i}] must be a non-empty string`);
    }
  });
  return value as string[];
}

/**
 * All prompts of every class: `result[k]` holds class k's prompts, template-major
 * (`templates[0]` with each description, then `templates[1]`, …).
 */
export function expandPrompts(set: PromptSet): string[][] {
  return set.classes.map((cls) =>
    set.templates.flatMap((template) =>
      cls.descriptions.map((description) => template.replace('{}', description)),
    ),
  );
}
