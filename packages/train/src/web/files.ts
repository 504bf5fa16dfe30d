// Browsers and workers have no file paths: saving and loading by path name what to use instead.
import { PlatformError } from '@nn/tensor';

const why = (what: string, path: string, instead: string): PlatformError =>
  new PlatformError(
    `${what}('${path}'): file paths need the file system of Node.js; this build of @nn/train was resolved for a browser. ${instead}`,
  );

export async function writeText(path: string, _text: string): Promise<void> {
  throw why('save', path, 'Use toJSON() and keep the object where you like.');
}

export async function readText(path: string): Promise<string> {
  throw why('load', path, 'Use NeuralNetwork.fromJSON() on an object you fetched or stored.');
}
