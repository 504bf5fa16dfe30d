import type { KernelSpec } from '../runtime.js';
import { entry, header } from '../wgsl.js';

// On CPU-backed adapters (lavapipe, SwiftShader) a workgroup of 8 invocations is one SIMD
// vector: no barriers, no workgroup memory, every lane keeps its block of sums in registers
// and the CPU caches do what workgroup memory does on a GPU.
export const LANES = 8;
/**
 * Rows and vec4 column groups per lane of the vec4 kernel. Loads, not multiply-adds, bound
 * lavapipe (each lane loads on its own), so each lane keeps a block of sums, but a bigger block
 * lost: on lavapipe's 256-bit build 4 rows x 2 vec4s ran 1.5-1.8x faster than 8 x 2 and 4 x 3
 * at n = 256-1024 (README, Figures).
 */
export const VEC_TILE = { tm: 4, tv: 2 } as const;

/** Uniform slots shared by both variants: 0 M, 1 N, 2 K, 3 batch, 4/5 offsets of A/B, 6..9 strides, then batch dims. */
function prologue(rowsPerGroup: number, colsPerGroup: number, batchLines: string): string {
  return `  let M = mu(0u); let N = mu(1u); let K = mu(2u);
  let tilesN = (N + ${colsPerGroup - 1}u) / ${colsPerGroup}u;
  let tilesM = (M + ${rowsPerGroup - 1}u) / ${rowsPerGroup}u;
  let per = tilesN * tilesM;
  let bt = group / per;
  if (bt >= mu(3u)) { return; }
  let tmi = (group % per) / tilesN;
  let tni = (group % per) % tilesN;
${batchLines}
  let sam = mu(6u); let sak = mu(7u); let sbk = mu(8u); let sbn = mu(9u);`;
}

/**
 * A and B contiguous along k and n, K and N multiples of 4 (offsets and strides in vec4 units):
 * each lane owns 4 rows x one vec4 of columns and reads one vec4 of A per row and four of B
 * per 4 steps of k, 64 multiply-adds for 8 loads.
 */
export function vec4Spec(rb: number, batchLines: string, TM: number, TV: number): KernelSpec {
  const source = (): string => {
    const L: string[] = [prologue(TM, LANES * 4 * TV, batchLines)];
    L.push(`  let m0 = tmi * ${TM}u;`);
    L.push('  let N4 = N / 4u;');
    for (let j = 0; j < TV; j++) L.push(`  let n4_${j} = tni * ${LANES * TV}u + ${j * LANES}u + lid;`);
    for (let j = 0; j < TV; j++) L.push(`  let bc${j} = ob + min(n4_${j}, N4 - 1u);`);
    for (let i = 0; i < TM; i++) L.push(`  let ar${i} = oa + min(m0 + ${i}u, M - 1u) * sam;`);
    for (let i = 0; i < TM; i++) for (let j = 0; j < TV; j++) L.push(`  var c${i}_${j} = vec4<f32>();`);
    L.push('  for (var k = 0u; k < K / 4u; k++) {');
    for (let j = 0; j < TV; j++)
      for (let q = 0; q < 4; q++) L.push(`    let b${j}_${q} = Bm[bc${j} + (k * 4u + ${q}u) * sbk];`);
    for (let i = 0; i < TM; i++) {
      L.push(`    let a${i} = A[ar${i} + k];`);
      for (let j = 0; j < TV; j++)
        for (let q = 0; q < 4; q++)
          L.push(`    c${i}_${j} = fma(vec4<f32>(a${i}[${q}]), b${j}_${q}, c${i}_${j});`);
    }
    L.push('  }');
    L.push('  let o = bt * M * N4;');
    for (let j = 0; j < TV; j++) {
      L.push(`  if (n4_${j} < N4) {`);
      for (let i = 0; i < TM; i++)
        L.push(`    if (m0 + ${i}u < M) { out[o + (m0 + ${i}u) * N4 + n4_${j}] = c${i}_${j}; }`);
      L.push('  }');
    }
    const v = 'vec4<f32>';
    return (
      header(
        [
          { name: 'A', type: v },
          { name: 'Bm', type: v },
        ],
        [{ name: 'out', type: v }],
      ) + entry(LANES, L.join('\n'))
    );
  };
  return { key: `matmulVec4:${TM}x${TV}:b${rb}`, inputs: 2, outputs: 1, source };
}

/** Any strides and sizes: each lane owns a 4 x 4 block of scalars (columns LANES apart). */
export function scalarSpec(rb: number, batchLines: string): KernelSpec {
  const TM = 4;
  const TN = 4;
  const source = (): string => {
    const L: string[] = [prologue(TM, LANES * TN, batchLines)];
    L.push(`  let m0 = tmi * ${TM}u;`);
    L.push(`  let n0 = tni * ${LANES * TN}u + lid;`);
    for (let i = 0; i < TM; i++) L.push(`  let ar${i} = oa + min(m0 + ${i}u, M - 1u) * sam;`);
    for (let j = 0; j < TN; j++) L.push(`  let bc${j} = ob + min(n0 + ${j * LANES}u, N - 1u) * sbn;`);
    for (let i = 0; i < TM; i++) for (let j = 0; j < TN; j++) L.push(`  var c${i}_${j} = 0.0;`);
    L.push('  for (var k = 0u; k < K; k++) {');
    L.push('    let ka = k * sak; let kb = k * sbk;');
    for (let j = 0; j < TN; j++) L.push(`    let b${j} = Bm[bc${j} + kb];`);
    for (let i = 0; i < TM; i++) {
      L.push(`    let a${i} = A[ar${i} + ka];`);
      for (let j = 0; j < TN; j++) L.push(`    c${i}_${j} = fma(a${i}, b${j}, c${i}_${j});`);
    }
    L.push('  }');
    L.push('  let o = bt * M * N;');
    for (let i = 0; i < TM; i++) {
      L.push(`  if (m0 + ${i}u < M) {`);
      for (let j = 0; j < TN; j++)
        L.push(
          `    if (n0 + ${j * LANES}u < N) { out[o + (m0 + ${i}u) * N + n0 + ${j * LANES}u] = c${i}_${j}; }`,
        );
      L.push('  }');
    }
    return (
      header(
        [
          { name: 'A', type: 'f32' },
          { name: 'Bm', type: 'f32' },
        ],
        [{ name: 'out', type: 'f32' }],
      ) + entry(LANES, L.join('\n'))
    );
  };
  return { key: `matmulScalar:b${rb}`, inputs: 2, outputs: 1, source };
}
