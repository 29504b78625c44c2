import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/browser.js';
import * as node from '../src/index.js';

/** Every module reachable from `entry` through relative imports, with its bare import specifiers. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map((m) => m[1]);
    graph.set(
      file,
      specifiers.filter((s) => !s.startsWith('.')),
    );
    for (const s of specifiers.filter((x) => x.startsWith('.')))
      visit(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return graph;
}

describe('the browser entry', () => {
  it('reaches no Node built-in module', () => {
    const graph = importGraph(join(import.meta.dirname, '..', 'src', 'browser.ts'));
    expect(graph.size).toBeGreaterThan(10);
    for (const [file, specifiers] of graph) {
      for (const s of specifiers) expect(`${file}: ${s}`).not.toMatch(/: node:/);
    }
  });

  it('is the Node entry minus file I/O', () => {
    const onlyNode = Object.keys(node)
      .filter((k) => !(k in browser))
      .sort();
    expect(onlyNode).toEqual([
      'PreprocessCache',
      'hashFile',
      'readDicomSeries',
      'readNifti',
      'stableStringify',
      'writeNifti',
    ]);
  });

  it('dicomSeriesFromFiles and parseNifti/encodeNifti work on bytes', () => {
    const dir = join(import.meta.dirname, 'fixtures', 'dicom', 'series_explicit');
    const files = ['IM0000', 'IM0001', 'IM0002', 'IM0003', 'IM0004'].map((name) => ({
      name,
      bytes: new Uint8Array(readFileSync(join(dir, name))),
    }));
    const [v] = browser.dicomSeriesFromFiles(files);
    expect(v.shape).toEqual([24, 20, 5]);
    const back = browser.parseNifti(browser.encodeNifti(v, { gzip: true }));
    expect(Array.from(back.data)).toEqual(Array.from(v.data));
    expect(back.affine.flat().map((x) => Math.fround(x))).toEqual(v.affine.flat().map((x) => Math.fround(x)));
  });
});
