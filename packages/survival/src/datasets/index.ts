/**
 * Canonical survival data sets from R's `survival` package (3.5), exported by
 * `scripts/export-datasets.R` into column-oriented JSON. `null` marks R's `NA`; factors are strings.
 *
 * - `lung`: NCCTG advanced lung cancer, 228 patients. `time` in days, `status` 1 = censored, 2 = dead;
 *   `inst`, `age`, `sex` (1 male, 2 female), `ph.ecog`, `ph.karno`, `pat.karno`, `meal.cal`, `wt.loss`.
 * - `veteran`: VA lung cancer trial, 137 patients. `time` in days, `status` 1 = dead; `trt` (1 standard,
 *   2 test), `celltype` (squamous, smallcell, adeno, large), `karno`, `diagtime`, `age`, `prior`.
 * - `colon`: adjuvant chemotherapy for colon cancer, 929 patients × 2 rows (`etype` 1 recurrence,
 *   2 death); `time` in days, `status` 1 = event; `rx` (Obs, Lev, Lev+5FU), `sex`, `age`, `obstruct`,
 *   `perfor`, `adhere`, `nodes`, `differ`, `extent`, `surg`, `node4`.
 */
import colonJson from './colon.json';
import lungJson from './lung.json';
import veteranJson from './veteran.json';
import { SurvivalInputError } from '../errors.js';

/** A data set: named columns of equal length. */
export interface SurvivalDataset {
  /** Short name (`lung`, `veteran`, `colon`). */
  name: string;
  /** One line about the study and the status coding. */
  description: string;
  /** Number of rows. */
  rows: number;
  /** Where it came from. */
  source: string;
  /** Columns by R's names; `null` is a missing value. */
  columns: Record<string, (number | null)[] | (string | null)[]>;
}

/** NCCTG advanced lung cancer (R `survival::lung`). */
export const lung: SurvivalDataset = lungJson as SurvivalDataset;
/** Veterans Administration lung cancer trial (R `survival::veteran`). */
export const veteran: SurvivalDataset = veteranJson as SurvivalDataset;
/** Adjuvant chemotherapy for stage B/C colon cancer (R `survival::colon`). */
export const colon: SurvivalDataset = colonJson as SurvivalDataset;

/**
 * The named numeric columns of the rows where none of them is missing (R's `na.omit` on those columns),
 * optionally only rows passing `where`. String columns are refused: encode them first.
 */
export function completeColumns(
  dataset: SurvivalDataset,
  names: string[],
  where?: (row: number) => boolean,
): Record<string, Float64Array> {
  const columns = names.map((name) => {
    const column = dataset.columns[name];
    if (!column) throw new SurvivalInputError(name, `is not a column of ${dataset.name}`);
    if (column.some((v) => typeof v === 'string')) {
      throw new SurvivalInputError(name, `is a text column of ${dataset.name}; encode it as numbers first`);
    }
    return column as (number | null)[];
  });
  const keep: number[] = [];
  for (let i = 0; i < dataset.rows; i++) {
    if ((where === undefined || where(i)) && columns.every((c) => c[i] !== null)) keep.push(i);
  }
  return Object.fromEntries(
    names.map((name, j) => [name, Float64Array.from(keep, (i) => columns[j][i] as number)]),
  );
}
