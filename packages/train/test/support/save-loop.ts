// Child process of atomic-save.test.ts: builds a 10 MB model, says "ready", waits for a line on
// stdin, then saves it with saveWeights over and over, every weight set to a new value each time
// (first, first + 1, ...), printing "saved <value>" after each save, until it is killed.
import { cpu } from '@nn/backend-cpu';
import { use } from '@nn/tensor';
import { saveWeights } from '@nn/train';
import { BigModel } from './big-model.js';

const [path, firstArg] = process.argv.slice(2);
use(cpu());
const model = new BigModel();
process.stdout.write('ready\n');
await new Promise((go) => process.stdin.once('data', go));
for (let value = Number(firstArg); ; value++) {
  model.fill(value);
  await saveWeights(model, path);
  process.stdout.write(`saved ${value}\n`);
}
