/** The packages a runnable example may import, loaded on first use (code-split in the site). */
import type { ModuleTable } from './run.js';

export async function loadModules(): Promise<ModuleTable> {
  const [tensor, autograd, layers, losses, optim, data, train, io] = await Promise.all([
    import('@nn/tensor'),
    import('@nn/autograd'),
    import('@nn/layers'),
    import('@nn/losses'),
    import('@nn/optim'),
    import('@nn/data'),
    import('@nn/train'),
    import('@nn/io'),
  ]);
  return {
    '@nn/tensor': tensor,
    '@nn/autograd': autograd,
    '@nn/layers': layers,
    '@nn/losses': losses,
    '@nn/optim': optim,
    '@nn/data': data,
    '@nn/train': train,
    '@nn/io': io,
  };
}
