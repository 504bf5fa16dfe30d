import { AutogradError, type Tensor } from '@nn/tensor';
import type { GradFn, SavedTensor } from '@nn/tensor/internal';
import type { StoredRule } from './registry.js';

/** Where an input's gradient goes: a parent node's output, a leaf tensor, or nowhere. */
export type Edge = { kind: 'node'; node: Node; index: number } | { kind: 'leaf'; tensor: Tensor } | null;

/**
 * One recorded op. Output tensors and child nodes hold references; when the last one lets go
 * the saved tensors are freed, and the node lets go of its parents in turn.
 */
export class Node implements GradFn {
  refs = 0;
  savedFreed = false;
  constructor(
    readonly name: string,
    readonly rule: StoredRule,
    readonly edges: readonly Edge[],
    readonly inputShapes: readonly (readonly number[])[],
    readonly savedInputs: readonly (SavedTensor | null)[],
    readonly savedOutputs: readonly (SavedTensor | null)[],
    readonly outputIds: readonly number[],
    readonly attrs: object,
  ) {
    for (const e of edges) if (e?.kind === 'node') e.node.refs++;
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    this.refs--;
    if (this.refs > 0) return;
    this.freeSaved();
    for (const e of this.edges) if (e?.kind === 'node') e.node.release();
  }

  freeSaved(): void {
    if (this.savedFreed) return;
    this.savedFreed = true;
    for (const s of this.savedInputs) s?.release();
    for (const s of this.savedOutputs) s?.release();
  }

  /** True once backward freed tensors this node needs (nodes that save nothing can run again). */
  get released(): boolean {
    return this.savedFreed && (this.savedInputs.some((s) => s) || this.savedOutputs.some((s) => s));
  }

  restoreSaved(): { inputs: (Tensor | null)[]; outputs: (Tensor | null)[] } {
    if (this.released) {
      throw new AutogradError(
        `backward: trying to backward through the graph a second time (op '${this.name}'); its saved tensors were freed. Pass { retainGraph: true } to the first backward()`,
      );
    }
    return {
      inputs: this.savedInputs.map((s) => s?.restore() ?? null),
      outputs: this.savedOutputs.map((s) => s?.restore() ?? null),
    };
  }
}
