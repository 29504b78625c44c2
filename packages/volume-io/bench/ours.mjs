// Child process: decode the scan and produce the paper's crop; prints one JSON line (time, peak RSS).
import { preprocessKidney, readNifti } from '../dist/index.js';

const [path, i, j, k] = process.argv.slice(2);
const base = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
const volume = await readNifti(path);
const tRead = performance.now();
const crop = preprocessKidney(volume, [Number(i), Number(j), Number(k)], 'paper');
const seconds = (performance.now() - t0) / 1000;
let sum = 0;
for (const x of crop.data) sum += x;
console.log(
  JSON.stringify({
    seconds,
    readSeconds: (tRead - t0) / 1000,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    baseMiB: base,
    decodedMiB: volume.data.byteLength / 2 ** 20,
    shape: crop.shape,
    sum,
  }),
);
