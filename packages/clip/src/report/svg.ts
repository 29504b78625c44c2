/** A named series of (x, y) points; `step` draws a survival-style staircase. */
export interface Series {
  name: string;
  points: [number, number][];
  step?: boolean;
  dashed?: boolean;
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Draw the y = x diagonal (ROC charts). */
  diagonal?: boolean;
  width?: number;
  height?: number;
  /** Extra line under the title (e.g. "log-rank p = 0.003"). */
  subtitle?: string;
  /** Corner of the legend, away from where the curves usually run (default top-right). */
  legend?: 'top-right' | 'bottom-right' | 'bottom-left';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Escapes text for XML/HTML. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return fallback;
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  return low === high ? [low - 0.5, high + 0.5] : [low, high];
}

function ticks([low, high]: [number, number], count = 5): number[] {
  return Array.from({ length: count + 1 }, (_, i) => low + ((high - low) * i) / count);
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** A self-contained SVG line chart (axes, ticks, legend) — no scripts, no external resources. */
export function lineChart(series: Series[], options: ChartOptions): string {
  const width = options.width ?? 420;
  const height = options.height ?? 320;
  const margin = { left: 52, right: 12, top: options.subtitle ? 44 : 30, bottom: 44 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xDomain = options.xDomain ?? extent(xs, [0, 1]);
  const yDomain = options.yDomain ?? extent(ys, [0, 1]);
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + ((x - xDomain[0]) / (xDomain[1] - xDomain[0])) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yDomain[0]) / (yDomain[1] - yDomain[0])) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  if (options.subtitle) {
    parts.push(`<text x="${width / 2}" y="32" text-anchor="middle">${escapeXml(options.subtitle)}</text>`);
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
  );
  for (const t of ticks(xDomain)) {
    parts.push(
      `<line x1="${sx(t)}" y1="${margin.top + plotH}" x2="${sx(t)}" y2="${margin.top + plotH + 4}" stroke="#444"/>`,
      `<text x="${sx(t)}" y="${margin.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of ticks(yDomain)) {
    parts.push(
      `<line x1="${margin.left - 4}" y1="${sy(t)}" x2="${margin.left}" y2="${sy(t)}" stroke="#444"/>`,
      `<text x="${margin.left - 6}" y="${sy(t) + 4}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  if (options.diagonal) {
    parts.push(
      `<line x1="${sx(xDomain[0])}" y1="${sy(yDomain[0])}" x2="${sx(xDomain[1])}" y2="${sy(yDomain[1])}" stroke="#aaa" stroke-dasharray="4 3"/>`,
    );
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (!points.length) return;
    const path: string[] = [];
    points.forEach(([x, y], k) => {
      if (k === 0) path.push(`M${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      else if (s.step) path.push(`H${sx(x).toFixed(1)}V${sy(y).toFixed(1)}`);
      else path.push(`L${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    });
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(`<path d="${path.join('')}" fill="none" stroke="${color}" stroke-width="1.8"${dash}/>`);
    const corner = options.legend ?? 'top-right';
    const ly =
      corner === 'top-right'
        ? margin.top + 12 + i * 14
        : margin.top + plotH - 8 - (series.length - 1 - i) * 14;
    const lx = corner === 'bottom-left' ? margin.left + 8 : margin.left + plotW - 130;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 16}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 20}" y="${ly}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** ROC curve points (false-positive rate, true-positive rate) of binary labels and scores, ties grouped. */
export function rocPoints(labels: ArrayLike<number>, scores: ArrayLike<number>): [number, number][] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const negatives = labels.length - positives;
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) tp++;
      else fp++;
    }
    points.push([negatives ? fp / negatives : 0, positives ? tp / positives : 0]);
    i = j + 1;
  }
  return points;
}
