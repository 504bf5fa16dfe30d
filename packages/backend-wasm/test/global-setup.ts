// @ts-expect-error: a plain .mjs build script without types
import { buildWasm } from '../scripts/build-wasm.mjs';

export default function setup(): void {
  (buildWasm as () => void)();
}
