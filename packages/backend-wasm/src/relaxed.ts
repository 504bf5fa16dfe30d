import { enableRelaxedSimd } from '#platform/host';

/**
 * The smallest module that uses relaxed SIMD: one function `(v128, v128, v128) -> v128` whose body
 * is `f32x4.relaxed_madd` (opcode 0xfd 0x105). Engines without the feature reject it, so
 * `WebAssembly.validate` answers whether the relaxed kernels would compile, without compiling them.
 */
// biome-ignore format: the bytes are grouped by section
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // its code
]);

/** True when this engine validates relaxed SIMD (Node ≥ 22, Chromium ≥ 114; Node 20 with its flag). */
export function hasRelaxedSimd(
  validate: (bytes: Uint8Array<ArrayBuffer>) => boolean = WebAssembly.validate,
): boolean {
  try {
    return validate(PROBE);
  } catch {
    return false;
  }
}

/** What `wasm({ relaxedSimd })` asks for: see WasmOptions.relaxedSimd. */
export type RelaxedSimdOption = boolean | 'auto';

/** The engine-facing steps the choice takes, replaceable so tests can play an engine without the feature. */
export interface RelaxedSimdEngine {
  available(): boolean;
  enable(): void;
}

const engine: RelaxedSimdEngine = { available: () => hasRelaxedSimd(), enable: enableRelaxedSimd };

/**
 * Whether to load the relaxed-SIMD kernels: never for `false`; where the engine validates them for
 * 'auto'; for `true` also after switching the engine's flag on (Node 20), falling back to the
 * baseline kernels when the engine still refuses them.
 */
export function chooseRelaxedSimd(option: RelaxedSimdOption, env: RelaxedSimdEngine = engine): boolean {
  if (option === false) return false;
  if (env.available()) return true;
  if (option !== true) return false;
  try {
    env.enable();
  } catch {
    // A runtime whose flags cannot be set (a sandbox, a bundled Node): the baseline kernels run.
    return false;
  }
  return env.available();
}
