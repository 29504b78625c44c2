import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emptyResults,
  lineChart,
  renderMarkdown,
  rocPoints,
  taskTable,
  textTable,
  writeReport,
} from '../src/index.js';

describe('report writer', () => {
  const results = emptyResults('Demo', 'tiny', 1);
  results.tasks.push(
    {
      task: 'malignancy',
      kind: 'classification',
      encoder: 'scratch',
      n: 20,
      metrics: { auc: { value: 0.6, low: 0.5, high: 0.7 } },
    },
    {
      task: 'malignancy',
      kind: 'classification',
      encoder: 'renalclip',
      n: 20,
      metrics: { auc: { value: 0.8, low: 0.7, high: 0.9 } },
    },
    {
      task: 'RFS',
      kind: 'survival',
      encoder: 'renalclip',
      n: 20,
      metrics: { cIndex: { value: 0.7, low: Number.NaN, high: Number.NaN } },
    },
  );
  results.roc.push({
    task: 'malignancy',
    encoder: 'renalclip',
    points: rocPoints([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.5]),
  });
  results.km.push({
    endpoint: 'RFS',
    encoder: 'renalclip',
    logRankP: 0.01,
    groups: [
      {
        name: 'high <risk>',
        points: [
          [0, 1],
          [5, 0.5],
        ],
      },
    ],
  });
  results.dataEfficiency.push({
    task: 'malignancy',
    encoder: 'scratch',
    fraction: 0.2,
    mean: 0.6,
    sd: 0.1,
    seeds: 2,
    metric: 'AUC',
  });
  results.retrievalExamples.push({
    id: 'k1',
    truth: 'Findings: <b>',
    retrieved: [{ text: 'Findings: <b>', similarity: 0.9, correct: true }],
  });

  it('tabulates the headline metric per encoder', () => {
    const rows = taskTable(results);
    expect(rows[1]).toEqual(['malignancy', 'AUC', '0.600 (0.500–0.700)', '—', '0.800 (0.700–0.900)']);
    expect(rows[2]).toEqual(['RFS', 'C-index', '—', '—', '0.700']);
    expect(textTable(rows).split('\n')).toHaveLength(3);
  });

  it('adds the report-attribute reference as a last column only where it was run', () => {
    const withReference = emptyResults('Demo', 'tiny', 1);
    withReference.tasks.push(...results.tasks, {
      task: 'malignancy',
      kind: 'classification',
      encoder: 'reports',
      n: 20,
      metrics: { auc: { value: 0.9, low: 0.85, high: 0.95 } },
    });
    const rows = taskTable(withReference);
    expect(rows[0]).toEqual([
      'task',
      'metric',
      'from scratch',
      'stage-1 only',
      'RenalCLIP',
      'report attributes (reference)',
    ]);
    expect(rows[1].at(-1)).toBe('0.900 (0.850–0.950)');
    expect(rows[2].at(-1)).toBe('—');
    expect(taskTable(results)[0]).toHaveLength(5);
  });

  it('writes metrics.json, report.md and a self-contained report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const paths = await writeReport(dir, results);
    const json = JSON.parse(readFileSync(paths.json, 'utf8'));
    expect(json.tasks[2].metrics.cIndex.low).toBeNull();
    expect(readFileSync(paths.markdown, 'utf8')).toMatch(/\| malignancy \| AUC \| 0\.600/);
    const html = readFileSync(paths.html, 'utf8');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(html.match(/<svg/g)?.length).toBe(3);
    expect(html).toContain('high &lt;risk&gt;');
    expect(html).toContain('log-rank p = 0.010');
  });

  it('draws ROC points from the corner to (1, 1)', () => {
    const pts = rocPoints([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.5]);
    expect(pts[0]).toEqual([0, 0]);
    expect(pts.at(-1)).toEqual([1, 1]);
    expect(pts[1]).toEqual([0, 0.5]);
    expect(
      lineChart(
        [
          {
            name: 's',
            points: [
              [0, 0],
              [1, 1],
            ],
            step: true,
          },
        ],
        { title: 't', xLabel: 'x', yLabel: 'y' },
      ),
    ).toMatch(/H\d/);
  });
});

describe('data-efficiency crossover', () => {
  it('puts each encoder at 20 % beside scratch at 100 % and finds where RenalCLIP reaches it', async () => {
    const { dataEfficiencyCrossover } = await import('../src/index.js');
    const results = emptyResults('Demo', 'tiny', 1);
    const curve = (task: string, encoder: 'scratch' | 'stage1' | 'renalclip', means: number[]) =>
      [0.05, 0.2, 0.5, 1].forEach((fraction, i) => {
        results.dataEfficiency.push({
          task,
          encoder,
          fraction,
          mean: means[i],
          sd: 0,
          seeds: 3,
          metric: 'AUC',
        });
      });
    curve('R', 'scratch', [0.5, 0.6, 0.65, 0.7]);
    curve('R', 'stage1', [0.55, 0.66, 0.7, 0.72]);
    curve('R', 'renalclip', [0.6, 0.68, 0.71, 0.75]);
    curve('OS', 'scratch', [0.5, 0.55, 0.6, 0.62]);
    curve('OS', 'renalclip', [0.5, 0.52, 0.55, 0.6]);
    expect(dataEfficiencyCrossover(results)).toEqual([
      ['task', 'RenalCLIP @ 20 %', 'stage-1 only @ 20 %', 'scratch @ 100 %', 'RenalCLIP reaches it at'],
      ['R', '0.680', '0.660', '0.700', '50 %'],
      ['OS', '0.520', '—', '0.620', 'not reached'],
    ]);
  });
});

describe('the data-efficiency grid', () => {
  it('prints mean ± sd over seeds, and the mean alone for a single seed', () => {
    const results = emptyResults('t', 'tiny', 0);
    const point = { task: 'malignancy', encoder: 'scratch' as const, metric: 'AUC' };
    results.dataEfficiency.push(
      { ...point, fraction: 0.5, mean: 0.6, sd: 0.1, seeds: 2 },
      { ...point, fraction: 1, mean: 0.7, sd: Number.NaN, seeds: 1 },
    );
    expect(renderMarkdown(results)).toMatch(/\| malignancy \| from scratch \| 0\.600 ± 0\.100 \| 0\.700 \|/);
  });
});
