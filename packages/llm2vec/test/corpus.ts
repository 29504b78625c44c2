/** A few synthetic radiology reports for tests (numbers, units, R.E.N.A.L., ×, hyphens). */
export const REPORTS = [
  'Findings: A 3.2 × 2.8 cm enhancing mass in the lower pole of the left kidney.\nImpression: Suspicious for renal cell carcinoma.',
  'Findings: Simple cyst, 12 mm, right kidney; no enhancement.\nImpression: Bosniak I cyst, benign.',
  'Findings: Exophytic solid lesion of 45 mm with heterogeneous enhancement.\nImpression: R.E.N.A.L. score 8a; likely malignant.',
  'Findings: Endophytic mass 2.1 cm near the collecting system (< 4 mm).\nImpression: Nephrometry 10x, high complexity.',
  'Findings: Fat-containing lesion, 1.5 cm, upper pole.\nImpression: Angiomyolipoma.',
  'Findings: Infiltrative tumour with renal vein thrombus.\nImpression: Aggressive renal cell carcinoma, pT3a.',
  'Findings: Non-enhancing hypodense lesion, 8 mm.\nImpression: Too small to characterise; follow-up CT in 6 months.',
  'Findings: Multiple bilateral cysts, largest 3 cm.\nImpression: Benign cystic disease.',
];
