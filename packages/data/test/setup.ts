import { cpu } from '@nn/backend-cpu';
import { use } from '@nn/tensor';

export function useCpu(): void {
  use(cpu());
}
