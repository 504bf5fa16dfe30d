/**
 * @nn/backend-cpu/kernels: the JavaScript reference kernels of nn — elementwise, where, cast,
 * gather, scatterAdd and concat over strided views in typed arrays, and erf. The cpu backend runs
 * them; the wasm backend runs the same ones over views of its heap wherever it has no WebAssembly
 * kernel (float64, int32 and bool, strided inputs), so both give the same numbers. Each reads
 * `view.storage` as a typed array from element `view.offset` and returns a new contiguous array.
 */
export { binary, where } from './binary.js';
export { erf } from './erf.js';
export { cast, concat, gather, scatterAdd } from './indexing.js';
export { unary } from './unary.js';
