// The two headers that make a page cross-origin isolated, so browsers give it
// SharedArrayBuffer and @nn/backend-wasm can run its worker threads. The dev server, the
// preview server and the tests send them; the Backends guide shows how to set them on a host.
export const CROSS_ORIGIN_ISOLATION = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});
