import type { Options } from '../cli.js';
export async function benchConv(_o: Options): Promise<boolean> {
  return true;
}
