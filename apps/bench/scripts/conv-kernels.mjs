// Times the wasm conv and max-pool kernels on the bench CNN's shapes, one call at a time (the
// figures in packages/backend-wasm/README.md, "Direct convolution and 2×2 pooling").
// From apps/bench after `pnpm build`: node scripts/conv-kernels.mjs [threads]
import { wasm } from '@nn/backend-wasm';
import { maxPool2d, randn, registerBackend, setBackend } from '@nn/tensor';
import {
  conv2dBackwardInput,
  conv2dBackwardWeight,
  convActivation,
  maxPool2dBackward,
} from '@nn/tensor/internal';

const threads = Number(process.argv[2] ?? 2);
const backend = await wasm({ threads, relaxedSimd: true });
registerBackend(backend);
setBackend(backend.name);

/** The fastest of 15 runs of 30 calls, in µs per call (after 20 calls of warm-up). */
function time(call) {
  for (let i = 0; i < 20; i++) call().dispose();
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 15; run++) {
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) call().dispose();
    best = Math.min(best, ((performance.now() - t0) / 30) * 1000);
  }
  return best.toFixed(0);
}

const params = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
for (const [name, xShape, wShape] of [
  ['conv 1->8, 28x28', [64, 1, 28, 28], [8, 1, 3, 3]],
  ['conv 8->16, 13x13', [64, 8, 13, 13], [16, 8, 3, 3]],
]) {
  const x = randn(xShape);
  const w = randn(wShape);
  const bias = randn([wShape[0]]);
  const y = convActivation(2, x, w, bias, {}, 'relu');
  const dy = randn(y.shape);
  const forward = time(() => convActivation(2, x, w, bias, {}, 'relu'));
  const input = time(() => conv2dBackwardInput(dy, w, params, xShape));
  const weight = time(() => conv2dBackwardWeight(x, dy, params, wShape));
  console.log(`${name}: forward ${forward} µs, input gradient ${input} µs, weight gradient ${weight} µs`);
}
const x = randn([64, 8, 26, 26]);
const { values, indices } = maxPool2d(x, { kernelSize: 2, returnIndices: true });
const dy = randn(values.shape);
const forward = time(() => maxPool2d(x, { kernelSize: 2 }));
const backward = time(() => maxPool2dBackward(dy, indices, x.shape));
console.log(
  `max pool 2x2 of 64x8x26x26: forward ${forward} µs, backward ${backward} µs (${threads} threads)`,
);
process.exit(0);
