"""Writes a synthetic 512×512×120 int16 CT (.nii.gz, scl_inter −1024 as scanners store it) for the benchmark."""
import sys

import nibabel as nib
import numpy as np

path = sys.argv[1]
rng = np.random.default_rng(0)
i, j = np.meshgrid(np.arange(512), np.arange(512), indexing='ij')
body = ((i - 256) / 220) ** 2 + ((j - 256) / 170) ** 2 <= 1
raw = np.zeros((512, 512, 120), np.int16)  # stored = HU + 1024, so air (−1000 HU) is 24
for k in range(120):
    sl = np.where(body, 1064 + rng.normal(0, 20, (512, 512)), 24)
    raw[..., k] = sl.astype(np.int16)
img = nib.Nifti1Image(raw, np.diag([-0.78, -0.78, 2.5, 1.0]))
img.header.set_data_dtype(np.int16)
img.header['scl_slope'] = 1.0
img.header['scl_inter'] = -1024.0
nib.save(img, path)
