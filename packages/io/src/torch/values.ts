import type { ElementType } from '../elements.js';

/**
 * A PyTorch storage as a checkpoint names it: the element type, the element count and a key that
 * says where its bytes are (a zip entry `data/<key>`, or a record of the legacy format). A legacy
 * "view" storage is a window on another one.
 */
export class TorchStorage {
  constructor(
    readonly key: string,
    /** null for element types nn cannot hold (complex, quantized): refused when a tensor needs them. */
    readonly type: ElementType | null,
    readonly typeName: string,
    readonly itemSize: number,
    readonly numel: number,
    readonly base: { storage: TorchStorage; offset: number } | null = null,
  ) {}
}

/**
 * A tensor of a checkpoint before it becomes an nn Tensor: a strided window on a storage
 * (elements, as PyTorch counts them). `loadTorch` turns the ones it returns into Tensors.
 */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorage,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    /** The element type when it differs from the storage's (`_rebuild_tensor_v3`). */
    readonly type: ElementType | null,
    readonly typeName: string,
  ) {}
}

/** An allow-listed Python global that is a value in itself (a dtype such as `torch.float32`). */
export class PyGlobal {
  constructor(readonly qualname: string) {}
  toString(): string {
    return this.qualname;
  }
}

/** An allow-listed Python function (a tensor rebuild, `OrderedDict`, ...): builds data, runs no file code. */
export class PyFunction {
  constructor(
    readonly qualname: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** A storage class (`torch.FloatStorage`, ...): what a persistent id names to give the element type. */
export class PyStorageClass {
  constructor(
    readonly qualname: string,
    readonly type: ElementType | null,
    readonly itemSize: number,
  ) {}
}
