import protobuf from 'protobufjs/light.js';

/**
 * The part of ONNX's protobuf schema (onnx.proto, IR version 8) that an exported model uses: per
 * message, each field as `'[repeated] type number'`, with the names and numbers the ONNX
 * specification gives them (read like the .proto's `repeated type name = number;`).
 */
/** A field as `'[repeated] type number'`; the type catches a missing number at compile time. */
type FieldSpec = `${'repeated ' | ''}${string} ${number}`;

const ONNX_MESSAGES: Record<string, Record<string, FieldSpec>> = {
  ModelProto: {
    irVersion: 'int64 1',
    producerName: 'string 2',
    producerVersion: 'string 3',
    domain: 'string 4',
    modelVersion: 'int64 5',
    docString: 'string 6',
    graph: 'GraphProto 7',
    opsetImport: 'repeated OperatorSetIdProto 8',
  },
  OperatorSetIdProto: {
    domain: 'string 1',
    version: 'int64 2',
  },
  GraphProto: {
    node: 'repeated NodeProto 1',
    name: 'string 2',
    initializer: 'repeated TensorProto 5',
    docString: 'string 10',
    input: 'repeated ValueInfoProto 11',
    output: 'repeated ValueInfoProto 12',
  },
  NodeProto: {
    input: 'repeated string 1',
    output: 'repeated string 2',
    name: 'string 3',
    opType: 'string 4',
    attribute: 'repeated AttributeProto 5',
    docString: 'string 6',
    domain: 'string 7',
  },
  AttributeProto: {
    name: 'string 1',
    f: 'float 2',
    i: 'int64 3',
    s: 'bytes 4',
    t: 'TensorProto 5',
    floats: 'repeated float 7',
    ints: 'repeated int64 8',
    strings: 'repeated bytes 9',
    type: 'int32 20',
  },
  ValueInfoProto: {
    name: 'string 1',
    type: 'TypeProto 2',
  },
  TypeProto: {
    tensorType: 'TypeProtoTensor 1',
  },
  TypeProtoTensor: {
    elemType: 'int32 1',
    shape: 'TensorShapeProto 2',
  },
  TensorShapeProto: {
    dim: 'repeated Dimension 1',
  },
  Dimension: {
    dimValue: 'int64 1',
    dimParam: 'string 2',
  },
  TensorProto: {
    dims: 'repeated int64 1',
    dataType: 'int32 2',
    name: 'string 8',
    rawData: 'bytes 9',
  },
};

/** protobufjs's reflection JSON for one field spec of ONNX_MESSAGES. */
function field(message: string, name: string, spec: FieldSpec): protobuf.IField {
  const parts = spec.split(' ');
  const [rule, type, id] = parts.length === 3 ? parts : [undefined, ...parts];
  if (!type || !/^\d+$/.test(id ?? '') || (rule !== undefined && rule !== 'repeated'))
    throw new Error(`onnx schema: field ${message}.${name} has the malformed spec '${spec}'`);
  return rule ? { rule, type, id: Number(id) } : { type, id: Number(id) };
}

/** ONNX_MESSAGES as the namespace protobufjs's reflection reads. */
function onnxNamespace(): protobuf.INamespace {
  const nested: Record<string, protobuf.IType> = {};
  for (const [message, fields] of Object.entries(ONNX_MESSAGES)) {
    const table: Record<string, protobuf.IField> = {};
    for (const [name, spec] of Object.entries(fields)) table[name] = field(message, name, spec);
    nested[message] = { fields: table };
  }
  return { nested: { onnx: { nested } } };
}

/** ONNX's element type codes (TensorProto.DataType). */
export const ONNX_TYPE = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, double: 11 } as const;

/** ONNX's attribute type codes (AttributeProto.AttributeType). */
export const ATTRIBUTE_TYPE = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
  strings: 8,
} as const;

let modelType: protobuf.Type | null = null;

/** The ModelProto message type (built once). */
export function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(onnxNamespace()).lookupType('onnx.ModelProto');
  return modelType;
}
