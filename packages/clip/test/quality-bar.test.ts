import { describe, expect, it } from 'vitest';
import {
  emptyResults,
  type ImageEncoderName,
  qualityBar,
  qualityBarAcrossSeeds,
  renderMarkdown,
} from '../src/index.js';

/** Results holding one AUC per task and encoder: `auc[task] = [scratch, stage1, renalclip]`. */
function resultsWith(seed: number, auc: Record<string, [number, number, number]>) {
  const results = emptyResults('t', 'tiny', seed);
  const encoders: ImageEncoderName[] = ['scratch', 'stage1', 'renalclip'];
  for (const [task, values] of Object.entries(auc))
    for (const [i, encoder] of encoders.entries())
      results.tasks.push({
        task,
        kind: 'classification',
        encoder,
        n: 10,
        metrics: { auc: { value: values[i], low: 0, high: 1 } },
      });
  qualityBar(results);
  return results;
}

describe('qualityBar ordering criteria', () => {
  it('counts the tasks in order and those where RenalCLIP beats scratch; "most" is more than half', () => {
    const { qualityBar: bar } = resultsWith(0, {
      R: [0.5, 0.6, 0.7], // ordered
      E: [0.5, 0.7, 0.6], // RenalCLIP ≥ scratch only
      N: [0.7, 0.6, 0.5], // neither
      A: [0.5, 0.5, 0.5], // ties count as ordered
    });
    expect(bar).toEqual([
      {
        name: 'tasks with RenalCLIP ≥ stage-1 ≥ scratch',
        value: 2,
        target: 'most: > 2 of 4',
        met: false,
        unit: 'count',
      },
      {
        name: 'tasks with RenalCLIP ≥ scratch',
        value: 3,
        target: 'most: > 2 of 4',
        met: true,
        unit: 'count',
      },
    ]);
  });

  it('names the criteria alike whatever the task count, so seeds on different cohorts line up', () => {
    const ten = resultsWith(0, { R: [0.5, 0.6, 0.7], E: [0.5, 0.6, 0.7] });
    const nine = resultsWith(1, { R: [0.7, 0.6, 0.5] });
    const { criteria } = qualityBarAcrossSeeds([ten, nine]);
    expect(criteria.map((c) => c.name)).toEqual([
      'tasks with RenalCLIP ≥ stage-1 ≥ scratch',
      'tasks with RenalCLIP ≥ scratch',
    ]);
    expect(criteria[0].values).toEqual([2, 0]);
    expect(criteria[0].met).toBe(1);
    expect(criteria[0].unit).toBe('count');
  });
});

describe('qualityBar scores', () => {
  it('prints a score of exactly 1 with its decimals in report.md, and a count without', () => {
    const results = resultsWith(0, { R: [0.5, 0.6, 0.7] });
    results.tasks.push({
      task: 'RFS',
      kind: 'survival',
      encoder: 'renalclip',
      n: 10,
      metrics: { cIndex: { value: 1, low: 1, high: 1 } },
    });
    results.qualityBar = [];
    qualityBar(results);
    const rfs = results.qualityBar.find((q) => q.name === 'RFS C-index (RenalCLIP)');
    expect(rfs).toMatchObject({ value: 1, met: true, unit: 'score' });
    const markdown = renderMarkdown(results);
    expect(markdown).toContain('| RFS C-index (RenalCLIP) | 1.000 | ≥ 0.65 | yes |');
    expect(markdown).toContain('| tasks with RenalCLIP ≥ scratch | 1 |');
  });
});
