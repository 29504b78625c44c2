const ni=256,nj=256,nk=64; const tissue=new Uint8Array(ni*nj*nk); for(let i=0;i<tissue.length;i++) tissue[i]=i%7;
const table=new Float32Array(56).map((_,i)=>i*10-100); const normals=new Float32Array(65536).map(()=>Math.random()-0.5);
function renderPhase(tissue, table, sigma, seed){ const plane=ni*nj; const out=new Int16Array(tissue.length); const a=new Float32Array(plane), b=new Float32Array(plane); let state=seed|1;
 for(let k=0;k<nk;k++){ const offset=k*plane; for(let n=0;n<plane;n++){ state^=state<<13; state^=state>>>17; state^=state<<5; a[n]=table[tissue[offset+n]]+sigma*normals[state>>>16]; }
  for (let row = 0; row < plane; row += ni) { const last = row + ni - 1; b[row] = 3 * a[row] + a[row + 1]; for (let n = row + 1; n < last; n++) b[n] = a[n - 1] + 2 * a[n] + a[n + 1]; b[last] = a[last - 1] + 3 * a[last]; }
  for (let j = 0; j < nj; j++) { const up = (j === 0 ? 0 : j - 1) * ni; const here = j * ni; const down = (j === nj - 1 ? j : j + 1) * ni; const target = offset + here;
      for (let i = 0; i < ni; i++) { let v = (b[up + i] + 2 * b[here + i] + b[down + i]) * 0.0625; if (v < -1024) v = -1024; out[target + i] = v < 0 ? -((0.5 - v) | 0) : (v + 0.5) | 0; } } }
 return out; }
for (let r=0;r<4;r++){ const t=performance.now(); renderPhase(tissue,table,30,123+r); console.log((performance.now()-t).toFixed(0)); }
const t=performance.now(); let s=0; for(let n=0;n<tissue.length;n++){ s+=table[tissue[n]]; } console.log('lut', (performance.now()-t).toFixed(0));
