import { cpu } from '@nn/backend-cpu';
import { runConformance } from '@nn/conformance';

runConformance({ name: 'cpu', backend: () => cpu() });
