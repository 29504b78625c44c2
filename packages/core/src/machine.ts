import * as tf from '@tensorflow/tfjs-core';

/** A snapshot of the machine a benchmark ran on, printed beside its figures. */
export interface MachineState {
  cpu: string;
  cores: number;
  loadAverage: number[];
  freeMemoryGiB: number;
  totalMemoryGiB: number;
  node: string;
  backend: string;
}

/** Reads the machine's state (Node only; in a browser the OS fields are empty). */
export async function machineState(): Promise<MachineState> {
  const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  if (!isNode) {
    return {
      cpu: '',
      cores: 0,
      loadAverage: [],
      freeMemoryGiB: 0,
      totalMemoryGiB: 0,
      node: '',
      backend: tf.getBackend(),
    };
  }
  const os = await import('node:os');
  const gib = 1024 ** 3;
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    freeMemoryGiB: Math.round((os.freemem() / gib) * 10) / 10,
    totalMemoryGiB: Math.round((os.totalmem() / gib) * 10) / 10,
    node: process.version,
    backend: tf.getBackend(),
  };
}

/** One line describing the machine, for the top of a benchmark's output. */
export function formatMachineState(s: MachineState): string {
  return `machine: ${s.cpu} × ${s.cores}, load ${s.loadAverage.join(' ')}, free ${s.freeMemoryGiB}/${s.totalMemoryGiB} GiB, node ${s.node}, backend ${s.backend}`;
}
