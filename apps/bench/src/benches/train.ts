import type { Options } from '../cli.js';
export async function benchTrain(_o: Options): Promise<boolean> {
  return true;
}
