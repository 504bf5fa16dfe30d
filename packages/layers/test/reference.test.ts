import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { use } from '@nn/tensor';
import { beforeAll } from 'vitest';
import { runModuleConformance } from '../../conformance/src/modules/index.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
});

runModuleConformance({ name: 'cpu', categories: ['layers', 'attention', 'extra'] });
