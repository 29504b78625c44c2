/** Backends under test, random inputs, and the per-backend error table the suites print. */
import { initBackend, type Rng } from '../../src/index.js';

export const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
export type TestBackend = (typeof BACKENDS)[number];

const unavailable = new Map<string, string | undefined>();

/**
 * Switches to `name`; returns undefined when it is active, or the reason it cannot start (then the
 * caller skips). WebGPU under Node runs on Mesa's CPU driver and may be missing on some machines.
 */
export async function useBackend(name: TestBackend): Promise<string | undefined> {
  if (unavailable.get(name) !== undefined) return unavailable.get(name);
  try {
    await initBackend(name);
    return undefined;
  } catch (error) {
    const reason = `${name} unavailable: ${(error as Error).message}`;
    unavailable.set(name, reason);
    return reason;
  }
}

/** Seeded uniform values in [-1, 1) as float64 (for the references) and float32 (for tensors). */
export function randomValues(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(rng.uniformIn(-1, 1));
  return out;
}

/** Collects the largest relative error per (op, backend, quantity) and prints them as one table. */
export class ErrorTable {
  private readonly worst = new Map<string, number>();

  constructor(readonly title: string) {}

  record(op: string, backend: string, errors: Record<string, number>): void {
    for (const [quantity, error] of Object.entries(errors)) {
      const key = `${op}|${backend}|${quantity}`;
      this.worst.set(key, Math.max(this.worst.get(key) ?? 0, error));
    }
  }

  print(): void {
    const rows: Record<string, Record<string, string>> = {};
    for (const [key, error] of this.worst) {
      const [op, backend, quantity] = key.split('|');
      const row = `${op} ${quantity}`;
      rows[row] ??= {};
      rows[row][backend] = error.toExponential(1);
    }
    console.log(`${this.title} (max relative error = max|ours − ref| / max|ref|)`);
    console.table(rows);
  }
}
