import { type DType, keep, type Tensor, type TypedArray } from '@nn/tensor';
import { OnnxExportError } from '../errors.js';
import { ATTRIBUTE_TYPE, modelProto, ONNX_TYPE } from './schema.js';

/** A node attribute, tagged with its ONNX type (a JavaScript number alone cannot say int or float). */
export type Attribute =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string }
  | { strings: readonly string[] };

export const int = (v: number): Attribute => ({ int: v });
export const float = (v: number): Attribute => ({ float: v });
export const ints = (v: readonly number[]): Attribute => ({ ints: v });
export const floats = (v: readonly number[]): Attribute => ({ floats: v });
export const str = (v: string): Attribute => ({ string: v });
export const strs = (v: readonly string[]): Attribute => ({ strings: v });

interface NodeSpec {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attribute>;
}

type InitValue =
  | { tensor: Tensor; owned: boolean }
  | { values: TypedArray | BigInt64Array; onnxType: number };

interface InitSpec {
  name: string;
  shape: readonly number[];
  value: InitValue;
}

/** A graph input or output: its name, element type and shape (null dims are symbolic). */
export interface ValueSpec {
  name: string;
  dtype: DType;
  shape: (number | string)[] | null;
}

const ELEM: Record<DType, number> = {
  float32: ONNX_TYPE.float,
  float64: ONNX_TYPE.double,
  int32: ONNX_TYPE.int32,
  bool: ONNX_TYPE.bool,
};

/** Collects the nodes and initializers of an ONNX graph, then encodes the ModelProto. */
export class GraphBuilder {
  readonly #nodes: NodeSpec[] = [];
  readonly #inits: InitSpec[] = [];
  readonly #names = new Set<string>();
  readonly #weights = new Map<Tensor, string>();

  /** A name not used yet, from `base` (a module path and what the value is). */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'value';
    let name = clean;
    for (let i = 1; this.#names.has(name); i++) name = `${clean}_${i}`;
    this.#names.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs); it must be free. */
  reserve(name: string): string {
    if (this.#names.has(name)) throw new OnnxExportError(`exportOnnx: the name '${name}' is used twice`);
    this.#names.add(name);
    return name;
  }

  /** Adds a node; returns its output names (`outputs` new ones named after `base`). */
  node(
    op: string,
    inputs: string[],
    base: string,
    outputs = 1,
    attrs: Record<string, Attribute> = {},
  ): string[] {
    const outs = Array.from({ length: outputs }, (_, i) =>
      this.unique(outputs === 1 ? `${base}/${op}` : `${base}/${op}:${i}`),
    );
    this.#nodes.push({ op, name: this.unique(`${base}/${op}#node`), inputs, outputs: outs, attrs });
    return outs;
  }

  /** Adds a node whose one output has the exact (reserved) name `output`. */
  nodeTo(op: string, inputs: string[], output: string): void {
    this.#nodes.push({ op, name: this.unique(`${output}/${op}#node`), inputs, outputs: [output], attrs: {} });
  }

  /** A tensor as an initializer (a module's weight: named by its state-dict key; added once). */
  weight(t: Tensor, name: string): string {
    const known = this.#weights.get(t);
    if (known) return known;
    const n = this.unique(name);
    this.#weights.set(t, n);
    this.#inits.push({ name: n, shape: [...t.shape], value: { tensor: t, owned: false } });
    return n;
  }

  /**
   * A tensor computed for the export (weights in ONNX's layout): kept until `encode` has read it,
   * then freed.
   */
  derived(t: Tensor, name: string): string {
    const n = this.unique(name);
    this.#inits.push({ name: n, shape: [...t.shape], value: { tensor: keep(t), owned: true } });
    return n;
  }

  /** A constant of float32 values. */
  floats(values: readonly number[], shape: readonly number[], name: string): string {
    const n = this.unique(name);
    this.#inits.push({
      name: n,
      shape,
      value: { values: Float32Array.from(values), onnxType: ONNX_TYPE.float },
    });
    return n;
  }

  /** A constant of int64 values (shapes, axes, slice bounds). */
  int64s(values: readonly number[], name: string, shape: readonly number[] = [values.length]): string {
    const n = this.unique(name);
    const v = BigInt64Array.from(values, (x) => BigInt(x));
    this.#inits.push({ name: n, shape, value: { values: v, onnxType: ONNX_TYPE.int64 } });
    return n;
  }

  /** Frees what `derived` kept (after encoding, or when the export fails). */
  dispose(): void {
    for (const i of this.#inits) if ('tensor' in i.value && i.value.owned) i.value.tensor.dispose();
  }

  /** The ModelProto bytes (IR version 8, the default domain at `opset`). */
  async encode(
    inputs: ValueSpec[],
    outputs: ValueSpec[],
    opset: number,
    graphName: string,
  ): Promise<Uint8Array> {
    const initializer = [];
    for (const i of this.#inits) {
      let rawData: Uint8Array;
      let dataType: number;
      if ('tensor' in i.value) {
        const data = await i.value.tensor.data();
        rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        dataType = ELEM[i.value.tensor.dtype];
      } else {
        const v = i.value.values;
        rawData = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        dataType = i.value.onnxType;
      }
      initializer.push({ name: i.name, dims: [...i.shape], dataType, rawData });
    }
    const value = (v: ValueSpec) => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: ELEM[v.dtype],
          ...(v.shape && {
            shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
          }),
        },
      },
    });
    const T = modelProto();
    const model = T.fromObject({
      irVersion: 8,
      producerName: 'nn',
      producerVersion: '0.1',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: graphName,
        node: this.#nodes.map((n) => ({
          name: n.name,
          opType: n.op,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attrs).map(([name, a]) => encodeAttribute(name, a)),
        })),
        initializer,
        input: inputs.map(value),
        output: outputs.map(value),
      },
    });
    return T.encode(model).finish();
  }
}

function encodeAttribute(name: string, a: Attribute): Record<string, unknown> {
  if ('int' in a) return { name, type: ATTRIBUTE_TYPE.int, i: a.int };
  if ('float' in a) return { name, type: ATTRIBUTE_TYPE.float, f: a.float };
  if ('ints' in a) return { name, type: ATTRIBUTE_TYPE.ints, ints: [...a.ints] };
  if ('floats' in a) return { name, type: ATTRIBUTE_TYPE.floats, floats: [...a.floats] };
  if ('strings' in a)
    return { name, type: ATTRIBUTE_TYPE.strings, strings: a.strings.map((v) => new TextEncoder().encode(v)) };
  return { name, type: ATTRIBUTE_TYPE.string, s: new TextEncoder().encode(a.string) };
}
