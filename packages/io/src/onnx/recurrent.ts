import { GRU, LSTM, type RNN } from '@nn/layers';
import { cat, chunk, stack, type Tensor } from '@nn/tensor';
import type { Call } from './converters.js';
import { type Attribute, int, ints, str, strs } from './graph.js';

/**
 * RNN, LSTM and GRU as ONNX's RNN/LSTM/GRU nodes, one per layer. PyTorch's gate order (LSTM
 * i,f,g,o; GRU r,z,n) becomes ONNX's (i,o,f,c; z,r,h), the two biases are concatenated, GRU keeps
 * PyTorch's `linear_before_reset`, and the outputs are reshaped as PyTorch returns them
 * (output [seq, batch, dirs·hidden], h_n [layers·dirs, batch, hidden]).
 */
export function recurrent(c: Call): string[] {
  const m = c.module as unknown as RNN;
  const lstm = m instanceof LSTM;
  const gru = m instanceof GRU;
  const op = lstm ? 'LSTM' : gru ? 'GRU' : 'RNN';
  const gates = lstm ? 4 : gru ? 3 : 1;
  const order = lstm ? [0, 3, 1, 2] : gru ? [1, 0, 2] : [0];
  const dirs = m.bidirectional ? 2 : 1;
  const g = c.g;
  const b = c.path || m.constructor.name;
  const rec = m as unknown as Record<string, Tensor>;
  const x = c.args[0] as Tensor;
  const unbatched = x.ndim === 2;
  const axis1 = () => g.int64s([1], `${b}/axes`);

  let seq = c.inputs[0]!;
  if (unbatched) [seq] = g.node('Unsqueeze', [seq, axis1()], b);
  else if (m.batchFirst) [seq] = g.node('Transpose', [seq], b, 1, { perm: ints([1, 0, 2]) });
  // Initial states, [layers·dirs, batch, hidden] (unbatched: without the batch dim).
  const states = c.inputs.slice(1).map((s) => {
    if (!s) return null;
    return unbatched ? g.node('Unsqueeze', [s, axis1()], b)[0] : s;
  });

  const reorder = (t: Tensor): Tensor =>
    gates === 1
      ? t
      : cat(
          order.map((i) => chunk(t, gates, 0)[i]),
          0,
        );
  const perDirection = (name: string, l: number): Tensor[] =>
    Array.from({ length: dirs }, (_, d) => reorder(rec[`${name}_l${l}${d === 1 ? '_reverse' : ''}`]));

  const finals: string[][] = [[], []];
  for (let l = 0; l < m.numLayers; l++) {
    const W = g.derived(stack(perDirection('weight_ih', l), 0), `${b}.W_l${l}`);
    const R = g.derived(stack(perDirection('weight_hh', l), 0), `${b}.R_l${l}`);
    let B = '';
    if (m.useBias) {
      const ih = perDirection('bias_ih', l);
      const hh = perDirection('bias_hh', l);
      B = g.derived(
        stack(
          ih.map((t, d) => cat([t, hh[d]], 0)),
          0,
        ),
        `${b}.B_l${l}`,
      );
    }
    const slice = (s: string | null): string => {
      if (!s) return '';
      const starts = g.int64s([l * dirs], `${b}/starts`);
      const ends = g.int64s([(l + 1) * dirs], `${b}/ends`);
      return g.node('Slice', [s, starts, ends, g.int64s([0], `${b}/axes`)], b)[0];
    };
    const inputs = [seq, W, R, B, '', slice(states[0] ?? null)];
    if (lstm) inputs.push(slice(states[1] ?? null));
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attrs: Record<string, Attribute> = {
      hidden_size: int(m.hiddenSize),
      direction: str(dirs === 2 ? 'bidirectional' : 'forward'),
    };
    if (gru) attrs.linear_before_reset = int(1);
    if (op === 'RNN')
      attrs.activations = strs(
        Array.from({ length: dirs }, () => (m.nonlinearity === 'relu' ? 'Relu' : 'Tanh')),
      );
    const [y, yh, yc] = g.node(op, inputs, `${b}/l${l}`, lstm ? 3 : 2, attrs);
    finals[0].push(yh);
    if (lstm) finals[1].push(yc);
    // Y is [seq, dirs, batch, hidden]: the next layer (and the caller) wants [seq, batch, dirs·hidden].
    const [t] = g.node('Transpose', [y], b, 1, { perm: ints([0, 2, 1, 3]) });
    [seq] = g.node('Reshape', [t, g.int64s([0, 0, -1], `${b}/shape`)], b);
  }
  let output = seq;
  if (unbatched) [output] = g.node('Squeeze', [output, axis1()], b);
  else if (m.batchFirst) [output] = g.node('Transpose', [output], b, 1, { perm: ints([1, 0, 2]) });
  const joined = finals.slice(0, lstm ? 2 : 1).map((parts) => {
    const [s] = parts.length === 1 ? parts : g.node('Concat', parts, b, 1, { axis: int(0) });
    return unbatched ? g.node('Squeeze', [s, axis1()], b)[0] : s;
  });
  return [output, ...joined];
}
