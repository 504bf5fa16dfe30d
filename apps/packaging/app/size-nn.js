// nn's core packages and the cpu backend taking one training step: the bundle-size figure that is
// compared with TensorFlow.js doing the same (size-tfjs.js).
import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { Linear } from '@nn/layers';
import { mseLoss } from '@nn/losses';
import { SGD } from '@nn/optim';
import { randn, use } from '@nn/tensor';

use(cpu());
installAutograd();
const layer = new Linear(2, 1);
const opt = new SGD(layer.parameters(), { lr: 0.1 });
mseLoss(layer.call(randn([4, 2])), randn([4, 1])).backward();
opt.step();
console.log(layer.weight.dataSync());
