import { Module } from '@nn/layers';
import { checkOptions, isTensor, optionKeys, type Tensor, tidy, withGradMode } from '@nn/tensor';
import { OnnxExportError } from '../errors.js';
import { converterFor, unsupported } from './converters.js';
import { GraphBuilder, type ValueSpec } from './graph.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** The ONNX operator set (17, the default, is the one supported). */
  opset?: number;
  /**
   * Axes that may vary at run time, named symbolically: one list for every input (default [0],
   * the batch), or a list per input (`[[0], [1], [1]]` for x and an LSTM's h0, c0).
   */
  dynamicAxes?: readonly number[] | readonly (readonly number[])[];
  /** Graph input names (default `input`, or `input_0`, `input_1`, ...). */
  inputNames?: readonly string[];
  /** Graph output names (default `output`, or `output_0`, ...; an LSTM gives output, h_n, c_n). */
  outputNames?: readonly string[];
}

type AnyModule = Module<never[], unknown>;

/** The tensors of a value (a tensor, or arrays of them, as modules return), in order. */
export function flatTensors(v: unknown): Tensor[] {
  if (isTensor(v)) return [v];
  if (Array.isArray(v)) return v.flatMap(flatTensors);
  return [];
}

function axisName(axis: number): string {
  return axis === 0 ? 'batch' : `dim_${axis}`;
}

/**
 * The module as an ONNX model (ModelProto bytes, IR version 8, opset 17) that ONNX Runtime runs:
 * traced from one call on `exampleInput` in eval mode (the module's modes are restored after),
 * with its weights as initializers named by their state-dict keys and the batch axis dynamic.
 * Tracing follows the module tree: each layer of `@nn/layers` that ONNX can express becomes its
 * ONNX nodes (Linear, Conv1d/2d/3d, the pools, BatchNorm, LayerNorm, Dropout, Flatten, Embedding,
 * RNN/LSTM/GRU, every activation, Softmax), and containers (Sequential, your own modules) are
 * traced through. A module that computes with tensor operations outside those layers (or a layer
 * option ONNX cannot express) is an OnnxExportError naming it.
 *
 * @example
 * const bytes = await exportOnnx(model, randn([1, 1, 28, 28]), { opset: 17 });
 */
export async function exportOnnx(
  module: AnyModule | Module,
  exampleInput: Tensor | readonly Tensor[],
  options: ExportOnnxOptions = {},
): Promise<Uint8Array> {
  checkOptions(
    'exportOnnx',
    options,
    optionKeys<ExportOnnxOptions>({ opset: 1, dynamicAxes: 1, inputNames: 1, outputNames: 1 }),
  );
  if (!(module instanceof Module)) throw new OnnxExportError('exportOnnx: expected a Module to export');
  const examples = isTensor(exampleInput) ? [exampleInput] : [...(exampleInput as Tensor[])];
  if (examples.length === 0 || !examples.every(isTensor))
    throw new OnnxExportError('exportOnnx: exampleInput must be a Tensor or a list of Tensors');
  const opset = options.opset ?? 17;
  if (opset !== 17)
    throw new OnnxExportError(
      `exportOnnx: opset ${opset} is not supported (nn exports opset 17, IR version 8)`,
    );
  const dynamic = options.dynamicAxes ?? [0];
  const axesOf = (i: number): readonly number[] =>
    dynamic.length > 0 && Array.isArray(dynamic[0])
      ? ((dynamic as number[][])[i] ?? [])
      : (dynamic as number[]);
  const inputNames =
    options.inputNames ?? (examples.length === 1 ? ['input'] : examples.map((_, i) => `input_${i}`));
  if (inputNames.length !== examples.length)
    throw new OnnxExportError(`exportOnnx: ${inputNames.length} input names for ${examples.length} inputs`);

  const root = module as AnyModule;
  const g = new GraphBuilder();
  const names = new Map<Tensor, string>();
  const inputs: ValueSpec[] = examples.map((t, i) => {
    const name = g.reserve(inputNames[i]);
    names.set(t, name);
    const axes = axesOf(i);
    return {
      name,
      dtype: t.dtype,
      shape: t.shape.map((d, axis) => (axes.includes(axis) ? axisName(axis) : d)),
    };
  });

  const modes = root.modules().map((m) => [m, m.training] as const);
  const restore = patchForwards(root, g, names);
  let outputs: ValueSpec[];
  try {
    root.eval();
    outputs = tidy(() =>
      withGradMode(false, () => {
        const result = (root.call as (...a: Tensor[]) => unknown)(...examples);
        const outs = flatTensors(result);
        if (outs.length === 0) throw new OnnxExportError('exportOnnx: the module returned no tensor');
        const outputNames =
          options.outputNames ?? (outs.length === 1 ? ['output'] : outs.map((_, i) => `output_${i}`));
        if (outputNames.length !== outs.length)
          throw new OnnxExportError(
            `exportOnnx: ${outputNames.length} output names for ${outs.length} outputs`,
          );
        return outs.map((t, i) => {
          const from = names.get(t);
          if (!from) throw unsupported(root.constructor.name, root);
          // An Identity gives each output its own name (an output may also be an input, or repeat).
          const name = g.reserve(outputNames[i]);
          g.nodeTo('Identity', [from], name);
          return { name, dtype: t.dtype, shape: null };
        });
      }),
    );
  } catch (e) {
    g.dispose();
    throw e;
  } finally {
    restore();
    for (const [m, training] of modes) m.training = training;
  }
  try {
    return await g.encode(inputs, outputs, opset, root.constructor.name);
  } finally {
    g.dispose();
  }
}

/**
 * Routes every module's `forward` through the tracer for the export; returns the undo. A layer
 * with a converter runs as usual (its insides untraced) and adds its ONNX nodes; any other module
 * runs its own forward, whose layer calls are traced in turn.
 */
function patchForwards(root: AnyModule, g: GraphBuilder, names: Map<Tensor, string>): () => void {
  const undo: (() => void)[] = [];
  const running: string[] = [];
  let inside = 0;
  for (const [path, m] of root.namedModules()) {
    const original = m.forward as (...args: unknown[]) => unknown;
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const label = path || m.constructor.name;
    const traced = (...args: unknown[]): unknown => {
      if (inside > 0) return original.apply(m, args);
      const convert = converterFor(m);
      if (!convert) {
        running.push(label);
        let out: unknown;
        try {
          out = original.apply(m, args);
        } finally {
          running.pop();
        }
        for (const t of flatTensors(out)) if (!names.has(t)) throw unsupported(label, m);
        return out;
      }
      const inputs = flatTensors(args).map((t) => {
        const n = names.get(t);
        if (n) return n;
        const where = running.length
          ? `in the forward of '${running[running.length - 1]}'`
          : 'outside the model';
        throw new OnnxExportError(
          `exportOnnx: the input of '${label}' (${m.constructor.name}) was computed ${where} with tensor operations ONNX export does not trace; express that step with a layer (Flatten, ReLU, ...)`,
        );
      });
      inside++;
      let out: unknown;
      try {
        out = original.apply(m, args);
      } finally {
        inside--;
      }
      const outNames = convert({ g, path, module: m, inputs, args, output: out });
      const outs = flatTensors(out);
      for (const [i, t] of outs.entries()) if (!names.has(t)) names.set(t, outNames[i]);
      return out;
    };
    Object.defineProperty(m, 'forward', {
      value: traced,
      configurable: true,
      writable: true,
      enumerable: false,
    });
    undo.push(() => {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as { forward?: unknown }).forward;
    });
  }
  return () => {
    for (const u of undo) u();
  };
}
