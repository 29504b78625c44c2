"""The paper's kidney preprocessing written with nibabel + scipy: the reference renal-volume-io is tested and
benchmarked against. Same definitions as src/preprocess.ts (rounding is floor(x + 0.5), as JavaScript's)."""
import math

import nibabel as nib
import numpy as np
from scipy import ndimage


def half_up(x):
    return int(math.floor(x + 0.5))


def crop_around(data, affine, zooms, center, box_mm, pad):
    ornt = nib.orientations.io_orientation(affine)
    size = [max(1, half_up(box_mm[int(ornt[a, 0])] / zooms[a])) for a in range(3)]
    start = [half_up(center[a] - (size[a] - 1) / 2) for a in range(3)]
    out = np.full(size, pad, dtype=data.dtype)
    src = tuple(slice(max(0, s), min(n, s + z)) for s, z, n in zip(start, size, data.shape))
    dst = tuple(slice(sl.start - s, sl.stop - s) for sl, s in zip(src, start))
    out[dst] = data[src]
    shift = np.eye(4)
    shift[:3, 3] = start
    return out, affine @ shift


def paper_crop(img, center, box_mm=(140, 140, 160), resized=(140, 140, 32), crop=(128, 128, 32),
               level=50.0, width=500.0, pad=-1000.0):
    data = img.get_fdata(dtype=np.float32)
    zooms = img.header.get_zooms()[:3]
    box, aff = crop_around(data, img.affine, zooms, center, box_mm, pad)
    canon = nib.as_closest_canonical(nib.Nifti1Image(box, aff))
    vol = np.asarray(canon.dataobj, dtype=np.float32)
    zoomed = ndimage.zoom(vol, np.array(resized) / np.array(vol.shape), order=1, mode='nearest', grid_mode=True)
    assert zoomed.shape == tuple(resized), zoomed.shape
    lo, hi = level - width / 2, level + width / 2
    win = np.clip((zoomed - lo) / (hi - lo), 0, 1)
    s = [(n - c) // 2 for n, c in zip(win.shape, crop)]
    return win[s[0]:s[0] + crop[0], s[1]:s[1] + crop[1], s[2]:s[2] + crop[2]]
