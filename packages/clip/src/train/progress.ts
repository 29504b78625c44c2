/** Formats seconds as "1h02m", "3m05s" or "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Where progress lines go; by default stderr. */
export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
}

/**
 * A one-line progress bar on stderr showing the step, the running loss and the ETA. On a terminal it redraws
 * in place; elsewhere it prints a line at most every `intervalMs` (default 5 s) so logs stay short.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastPrint = 0;
  private done = 0;
  private lastFields: Record<string, number | string> = {};

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly sink: ProgressSink | null = process.stderr,
    private readonly intervalMs = 5000,
  ) {}

  /** Advances by `steps` and redraws with the given extra fields (e.g. `{ loss: 0.53 }`). */
  tick(fields: Record<string, number | string> = {}, steps = 1): void {
    this.done = Math.min(this.total, this.done + steps);
    this.set(fields);
    if (!this.sink) return;
    const now = Date.now();
    const finished = this.done >= this.total;
    if (!this.sink.isTTY && !finished && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    this.sink.write(
      this.sink.isTTY ? `\r${this.render(now)}\u001b[K${finished ? '\n' : ''}` : `${this.render(now)}\n`,
    );
  }

  /** The bar's current text. */
  render(now = Date.now()): string {
    const width = 20;
    const fraction = this.total > 0 ? this.done / this.total : 1;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.started) / 1000;
    const eta = this.done > 0 ? (elapsed / this.done) * (this.total - this.done) : Number.NaN;
    const extras = Object.entries(this.lastFields)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(4) : v}`)
      .join('  ');
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  ${extras}  ETA ${formatDuration(eta)}`;
  }

  /** Sets the fields shown without advancing. */
  set(fields: Record<string, number | string>): void {
    this.lastFields = { ...this.lastFields, ...fields };
  }
}
