"""Times nibabel + scipy producing the paper's crop (see reference.py); prints one JSON line."""
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nibabel as nib  # noqa: E402
from reference import paper_crop  # noqa: E402

path, i, j, k = sys.argv[1], *map(float, sys.argv[2:5])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
img = nib.load(path)
out = paper_crop(img, (i, j, k))
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({'seconds': seconds, 'peakMiB': peak / 1024, 'baseMiB': base / 1024, 'shape': list(out.shape),
                  'sum': float(out.sum())}))
