/**
 * @nn/all: the whole public API behind one import, with the cpu backend registered and autograd
 * installed on import (the one package that does anything on import; the rest register nothing).
 */
import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { listBackends, registerBackend } from '@nn/tensor';

if (!listBackends().includes('cpu')) registerBackend(cpu());
installAutograd();

export * from '@nn/autograd';
export { cpu } from '@nn/backend-cpu';
export * from '@nn/data';
export * from '@nn/layers';
export * from '@nn/losses';
export * from '@nn/optim';
export * from '@nn/tensor';
export * from '@nn/train';
