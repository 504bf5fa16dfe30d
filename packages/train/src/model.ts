import { isTensor, keep, type Tensor, tidy, ValueError, withGradMode } from '@nn/tensor';

/**
 * What `fit` needs of a model: a forward pass and its parameters. Every `@nn/layers` Module
 * fits; so does a plain object, for models written with raw tensors.
 */
export interface TrainableModel {
  forward(input: Tensor): Tensor;
  parameters(): Tensor[];
  /** Switches dropout and batch norm to training (true) or inference (false) behaviour. */
  train?(mode?: boolean): unknown;
  eval?(): unknown;
  /** Non-trainable state (batch-norm running stats) that belongs with the weights. */
  buffers?(): Tensor[];
}

/** Runs the model on one batch. */
export function forward(model: TrainableModel, x: Tensor): Tensor {
  const out = model.forward(x);
  if (!isTensor(out)) throw new ValueError('fit: model.forward must return a tensor');
  return out;
}

export function setTraining(model: TrainableModel, training: boolean): void {
  if (training) model.train?.(true);
  else if (model.eval) model.eval();
  else model.train?.(false);
}

export function checkModel(op: string, model: TrainableModel): void {
  if (!model || typeof model.forward !== 'function' || typeof model.parameters !== 'function') {
    throw new ValueError(`${op}: expected a model with forward() and parameters() (an @nn/layers Module)`);
  }
}

function stateTensors(model: TrainableModel): Tensor[] {
  return [...model.parameters(), ...(model.buffers?.() ?? [])];
}

/** A copy of a model's weights (parameters and buffers), kept out of every tidy scope. */
export class WeightSnapshot {
  readonly #copies: Tensor[];

  constructor(model: TrainableModel) {
    this.#copies = withGradMode(false, () => stateTensors(model).map((t) => keep(t.detach().clone())));
  }

  /** Writes the copied values back into the model's own tensors (identities unchanged). */
  restore(model: TrainableModel): void {
    const live = stateTensors(model);
    if (live.length !== this.#copies.length) {
      throw new ValueError(
        `restore: the model has ${live.length} weight tensors, the snapshot ${this.#copies.length}`,
      );
    }
    withGradMode(false, () =>
      tidy(() => {
        for (let i = 0; i < live.length; i++) live[i].assign(this.#copies[i].clone());
        return null;
      }),
    );
  }

  dispose(): void {
    for (const t of this.#copies) t.dispose();
  }
}
