import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Estimate } from '../metrics/bootstrap.js';
import {
  ENCODER_LABELS,
  type EncoderName,
  type PipelineResults,
  type QualityCriterion,
  type RunCohort,
} from './results.js';
import { escapeXml, lineChart } from './svg.js';

/** Formats an estimate as "0.812 (0.731–0.880)". */
export function formatEstimate(e: Estimate | undefined, digits = 3): string {
  if (!e || !Number.isFinite(e.value)) return '—';
  const ci = Number.isFinite(e.low) ? ` (${e.low.toFixed(digits)}–${e.high.toFixed(digits)})` : '';
  return `${e.value.toFixed(digits)}${ci}`;
}

/**
 * Formats a quality-bar value by its unit: a score to 3 decimals ("1.000"), a count as a whole number ("4") or,
 * averaged over seeds, to 1 decimal ("5.7"); NaN as "—".
 */
export function formatMeasure(value: number, unit: QualityCriterion['unit'] = 'score'): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'score') return value.toFixed(3);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

const ENCODERS: EncoderName[] = ['scratch', 'stage1', 'renalclip', 'reports'];

/** The table's encoders: the three image encoders, then the report-attribute reference where it was run. */
function encodersOf(results: PipelineResults): EncoderName[] {
  return ENCODERS.filter((e) => e !== 'reports' || results.tasks.some((t) => t.encoder === e));
}

/** The headline metric of a task: AUC for classification, C-index for survival. */
function headline(kind: 'classification' | 'survival'): string {
  return kind === 'survival' ? 'cIndex' : 'auc';
}

/** Rows of the main table: task, headline metric, one column per encoder. */
export function taskTable(results: PipelineResults): string[][] {
  const tasks = [...new Set(results.tasks.map((t) => t.task))];
  const encoders = encodersOf(results);
  const rows = [['task', 'metric', ...encoders.map((e) => ENCODER_LABELS[e])]];
  for (const task of tasks) {
    const entries = results.tasks.filter((t) => t.task === task);
    const metric = headline(entries[0].kind);
    rows.push([
      task,
      metric === 'auc' ? 'AUC' : 'C-index',
      ...encoders.map((e) => formatEstimate(entries.find((t) => t.encoder === e)?.metrics[metric])),
    ]);
  }
  return rows;
}

/** Rows of the detailed table: every metric of every task and encoder. */
function detailTable(results: PipelineResults): string[][] {
  const rows = [['task', 'encoder', 'n', 'AUC', 'PR-AUC', 'F1', 'sensitivity', 'specificity', 'C-index']];
  for (const t of results.tasks) {
    const m = t.metrics;
    rows.push([
      t.task,
      ENCODER_LABELS[t.encoder],
      String(t.n),
      ...['auc', 'prAuc', 'f1', 'sensitivity', 'specificity', 'cIndex'].map((k) => formatEstimate(m[k])),
    ]);
  }
  return rows;
}

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function htmlTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A plain-text table for the terminal. */
export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function zeroShotRows(results: PipelineResults): string[][] {
  return [
    ['task', 'scoring', 'AUC (95 % CI)', 'spread over random prompt pairs'],
    ...results.zeroShot.map((z) => [
      z.task,
      z.source === 'report' ? `${z.mode}, true reports (text ceiling)` : z.mode,
      formatEstimate(z.auc),
      z.spread
        ? `min ${z.spread.min.toFixed(3)} · median ${z.spread.median.toFixed(3)} · max ${z.spread.max.toFixed(3)} (${z.spread.pairs} pairs)`
        : '',
    ]),
  ];
}

function retrievalRows(results: PipelineResults): string[][] {
  return [
    ['direction', 'R@1', 'R@3', 'R@5', 'chance R@5', 'candidates'],
    ...results.retrieval.map((r) => [
      r.direction,
      r.r1.toFixed(3),
      r.r3.toFixed(3),
      r.r5.toFixed(3),
      r.chance5.toFixed(3),
      String(r.candidates),
    ]),
  ];
}

function generationRows(results: PipelineResults): string[][] {
  return [
    ['method', 'BLEU-1', 'BLEU-2', 'BLEU-4', 'ROUGE-L'],
    ...results.reportGeneration.map((g) => [
      g.method,
      g.bleu1.toFixed(3),
      g.bleu2.toFixed(3),
      g.bleu4.toFixed(3),
      g.rougeL.toFixed(3),
    ]),
  ];
}

/** Data efficiency as a grid: one row per task and encoder, one column per training fraction (mean ± sd). */
function dataEfficiencyRows(results: PipelineResults): string[][] {
  const points = results.dataEfficiency;
  const fractions = [...new Set(points.map((p) => p.fraction))].sort((a, b) => a - b);
  const rows = [['task', 'encoder', ...fractions.map((f) => `${Math.round(f * 100)} %`)]];
  for (const task of [...new Set(points.map((p) => p.task))]) {
    for (const encoder of ENCODERS) {
      const cells = fractions.map((f) => {
        const p = points.find((q) => q.task === task && q.encoder === encoder && q.fraction === f);
        if (!p || !Number.isFinite(p.mean)) return '—';
        // One seed has no spread: the mean alone.
        return Number.isFinite(p.sd) ? `${p.mean.toFixed(3)} ± ${p.sd.toFixed(3)}` : p.mean.toFixed(3);
      });
      if (cells.some((c) => c !== '—')) rows.push([task, ENCODER_LABELS[encoder], ...cells]);
    }
  }
  return rows;
}

/**
 * Where the pretrained encoders meet training from scratch on all the data: per task, each encoder at 20 %
 * beside scratch at 100 %, and the smallest fraction at which RenalCLIP reaches scratch's 100 % figure.
 */
export function dataEfficiencyCrossover(results: PipelineResults): string[][] {
  const points = results.dataEfficiency;
  const at = (task: string, encoder: EncoderName, fraction: number) =>
    points.find((p) => p.task === task && p.encoder === encoder && Math.abs(p.fraction - fraction) < 1e-9)
      ?.mean ?? Number.NaN;
  const show = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
  const rows = [
    ['task', 'RenalCLIP @ 20 %', 'stage-1 only @ 20 %', 'scratch @ 100 %', 'RenalCLIP reaches it at'],
  ];
  for (const task of [...new Set(points.map((p) => p.task))]) {
    const target = at(task, 'scratch', 1);
    const reached = points
      .filter((p) => p.task === task && p.encoder === 'renalclip' && p.mean >= target)
      .map((p) => p.fraction)
      .sort((a, b) => a - b)[0];
    rows.push([
      task,
      show(at(task, 'renalclip', 0.2)),
      show(at(task, 'stage1', 0.2)),
      show(target),
      reached === undefined ? 'not reached' : `${Math.round(reached * 100)} %`,
    ]);
  }
  return rows;
}

function qualityRows(results: PipelineResults): string[][] {
  return [
    ['criterion', 'measured', 'target', 'met'],
    ...results.qualityBar.map((q) => [
      q.name,
      formatMeasure(q.value, q.unit),
      q.target,
      q.met ? 'yes' : 'NO',
    ]),
  ];
}

function attributeRows(results: PipelineResults): string[][] {
  return [
    [
      'attribute',
      'classes',
      'n',
      'accuracy',
      'majority-class accuracy',
      'balanced accuracy',
      'balanced accuracy, train',
      'AUC',
    ],
    ...results.attributes.map((a) => [
      a.attribute,
      String(a.classes),
      String(a.n),
      formatEstimate(a.accuracy),
      formatMeasure(a.majorityAccuracy),
      formatEstimate(a.balancedAccuracy),
      formatMeasure(a.trainBalancedAccuracy),
      formatEstimate(a.auc),
    ]),
  ];
}

const ATTRIBUTES_HEADING = "Stage 1: the 14 report attributes (test split, stage-1 encoder's heads)";
const ATTRIBUTES_NOTE =
  'Kidneys whose report states the attribute. Balanced accuracy is the mean recall over the classes present (1 / classes for a constant answer); beside it on the training split, how well stage 1 fitted what it was taught.';

/** The cohort in one sentence: source, patients, kidneys per split, and the pretraining-only cohort if any. */
export function describeCohort(c: RunCohort): string {
  const scored = `Cohort: ${c.source} — ${c.patients} patients, ${c.kidneys} kidneys (train ${c.train}, val ${c.val}, test ${c.test}).`;
  const p = c.pretraining;
  return p
    ? `${scored} Pretraining only (stages 1 and 2): ${p.source} — ${p.patients} patients, ${p.kidneys} kidneys.`
    : scored;
}

/** The results as Markdown. */
export function renderMarkdown(results: PipelineResults): string {
  const sections = [
    `# ${results.title}`,
    `Preset \`${results.preset}\`, seed ${results.seed}, ${results.createdAt}. ${describeCohort(results.cohort)} 95 % bootstrap CIs.`,
    '## Quality bar',
    markdownTable(qualityRows(results)),
    '## The ten tasks (test split)',
    markdownTable(taskTable(results)),
    '### All metrics',
    markdownTable(detailTable(results)),
    ...(results.attributes.length
      ? [`## ${ATTRIBUTES_HEADING}`, ATTRIBUTES_NOTE, markdownTable(attributeRows(results))]
      : []),
    '## Zero-shot',
    markdownTable(zeroShotRows(results)),
    '## Retrieval',
    markdownTable(retrievalRows(results)),
    '## Report generation',
    markdownTable(generationRows(results)),
    '## Data efficiency',
    markdownTable(dataEfficiencyCrossover(results)),
    markdownTable(dataEfficiencyRows(results)),
    '## Timings (s)',
    markdownTable([
      ['stage', 'seconds'],
      ...Object.entries(results.timings).map(([k, v]) => [k, v.toFixed(1)]),
    ]),
  ];
  if (results.notes.length) sections.push('## Notes', results.notes.map((n) => `- ${n}`).join('\n'));
  return `${sections.join('\n\n')}\n`;
}

/** The SVG plots of the report: ROC per task, KM per endpoint, data efficiency per task, training losses. */
export function renderPlots(results: PipelineResults): string[] {
  const plots: string[] = [];
  for (const task of [...new Set(results.roc.map((r) => r.task))]) {
    const curves = results.roc.filter((r) => r.task === task);
    plots.push(
      lineChart(
        curves.map((r) => ({ name: ENCODER_LABELS[r.encoder], points: r.points })),
        {
          title: `ROC — ${task}`,
          xLabel: 'false-positive rate',
          yLabel: 'true-positive rate',
          xDomain: [0, 1],
          yDomain: [0, 1],
          diagonal: true,
          legend: 'bottom-right',
        },
      ),
    );
  }
  for (const km of results.km) {
    plots.push(
      lineChart(
        km.groups.map((g) => ({ name: g.name, points: g.points, step: true })),
        {
          title: `Kaplan–Meier — ${km.endpoint} (${ENCODER_LABELS[km.encoder]})`,
          subtitle: `log-rank p = ${Number.isFinite(km.logRankP) ? km.logRankP.toPrecision(2) : '—'}`,
          xLabel: 'time',
          yLabel: 'survival probability',
          yDomain: [0, 1],
          legend: 'bottom-left',
        },
      ),
    );
  }
  for (const task of [...new Set(results.dataEfficiency.map((p) => p.task))]) {
    const points = results.dataEfficiency.filter((p) => p.task === task);
    const encoders = [...new Set(points.map((p) => p.encoder))];
    plots.push(
      lineChart(
        encoders.map((e) => ({
          name: ENCODER_LABELS[e],
          points: points
            .filter((p) => p.encoder === e)
            .map((p) => [p.fraction * 100, p.mean] as [number, number]),
        })),
        {
          title: `Data efficiency — ${task}`,
          xLabel: '% of the training set',
          yLabel: points[0].metric,
          legend: 'bottom-right',
        },
      ),
    );
  }
  const losses = Object.entries(results.losses).filter(([, v]) => v.length > 1);
  for (const [stage, values] of losses) {
    plots.push(
      lineChart([{ name: stage, points: values.map((v, i) => [i + 1, v] as [number, number]) }], {
        title: `Training loss — ${stage}`,
        xLabel: 'epoch',
        yLabel: 'mean loss',
      }),
    );
  }
  return plots;
}

function retrievalExamplesHtml(results: PipelineResults): string {
  return results.retrievalExamples
    .map(
      (ex) =>
        `<div class="example"><h4>${escapeXml(ex.id)}</h4><p><b>true report:</b> ${escapeXml(ex.truth)}</p><ol>${ex.retrieved
          .map(
            (r) =>
              `<li class="${r.correct ? 'hit' : 'miss'}">${escapeXml(r.text)} <small>(similarity ${r.similarity.toFixed(3)})</small></li>`,
          )
          .join('')}</ol></div>`,
    )
    .join('\n');
}

/** The results as one self-contained HTML page (inline CSS and SVG, no scripts or external files). */
export function renderHtml(results: PipelineResults): string {
  const style =
    'body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}th{background:#f3f3f3}.plots svg{margin:6px;border:1px solid #eee}.hit{color:#1a7f37}.miss{color:#888}.example{border-top:1px solid #eee;font-size:13px}';
  const body = [
    `<h1>${escapeXml(results.title)}</h1>`,
    `<p>Preset <code>${escapeXml(results.preset)}</code>, seed ${results.seed}, ${escapeXml(results.createdAt)}. ${escapeXml(describeCohort(results.cohort))} Intervals are 95 % bootstrap CIs.</p>`,
    '<h2>Quality bar</h2>',
    htmlTable(qualityRows(results)),
    '<h2>The ten tasks (test split)</h2>',
    htmlTable(taskTable(results)),
    '<h3>All metrics</h3>',
    htmlTable(detailTable(results)),
    ...(results.attributes.length
      ? [
          `<h2>${escapeXml(ATTRIBUTES_HEADING)}</h2>`,
          `<p>${escapeXml(ATTRIBUTES_NOTE)}</p>`,
          htmlTable(attributeRows(results)),
        ]
      : []),
    '<h2>Zero-shot</h2>',
    htmlTable(zeroShotRows(results)),
    '<h2>Retrieval</h2>',
    htmlTable(retrievalRows(results)),
    '<h2>Report generation</h2>',
    htmlTable(generationRows(results)),
    '<h2>Plots</h2>',
    `<div class="plots">${renderPlots(results).join('\n')}</div>`,
    '<h2>Retrieval examples</h2>',
    retrievalExamplesHtml(results),
    '<h2>Data efficiency</h2>',
    htmlTable(dataEfficiencyCrossover(results)),
    htmlTable(dataEfficiencyRows(results)),
    '<h2>Timings (s)</h2>',
    htmlTable([['stage', 'seconds'], ...Object.entries(results.timings).map(([k, v]) => [k, v.toFixed(1)])]),
  ];
  if (results.notes.length)
    body.push('<h2>Notes</h2>', `<ul>${results.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(results.title)}</title><style>${style}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}

/** Writes `metrics.json`, `report.md` and `report.html` into `dir`; returns their paths. */
export async function writeReport(
  dir: string,
  results: PipelineResults,
): Promise<{ json: string; markdown: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const paths = {
    json: join(dir, 'metrics.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  };
  await writeFile(
    paths.json,
    `${JSON.stringify(results, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  await writeFile(paths.markdown, renderMarkdown(results));
  await writeFile(paths.html, renderHtml(results));
  return paths;
}
