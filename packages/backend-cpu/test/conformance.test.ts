import { cpu } from '@nn/backend-cpu';
import { runConformance } from '../src/index.js';

runConformance({ name: 'cpu', backend: () => cpu() });
