/**
 * Every options object of the public API rejects keys it does not know (issue: a PyTorch user's
 * `{ weight_decay: 0.5 }` ran as if absent). The list of what takes an options object comes from
 * the packages' type declarations, so an export added later without a call below fails here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradcheck } from '@nn/autograd';
import { wasm } from '@nn/backend-wasm';
import { webgpu } from '@nn/backend-webgpu';
import {
  exportOnnx,
  loadModel,
  loadSafetensors,
  loadTorch,
  readSafetensors,
  readTorch,
  saveModel,
  writeSafetensors,
} from '@nn/io';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { type OptionParameter, optionParameters } from './option-parameters.js';

type Options = Record<string, unknown>;
type Call = (o: Options) => unknown;

const x = nn.randn([2, 3]);
const y = nn.randn([2, 2]);
const labels = nn.tensor([0, 2], { dtype: 'int32' });
const probs = nn.rand([4]);
const model = new nn.Linear(3, 2);
const optimizer = new nn.SGD(model.parameters(), { lr: 0.1 });
const dataset = new nn.TensorDataset(x, y);
const bytes = new Uint8Array(16);
const dir = mkdtempSync(join(tmpdir(), 'nn-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const img = (...shape: number[]) => nn.randn(shape);
/** A sequence [L, N, E] = [3, 1, 4] for the attention layers. */
const seq = () => nn.randn([3, 1, 4]);
const encoderLayer = () => new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
const decoderLayer = () => new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
const o_ = (o: Options) => o as never;

/**
 * A call of each export with the options object at its place; the other arguments are valid.
 * Methods are `Class#method` (instance) and `Class.method` (static); `name@i` when a second
 * signature takes the options at another place.
 */
const CALLS: Readonly<Record<string, Call>> = {
  // @nn/tensor
  arange: (o) => nn.arange(0, 3, 1, o_(o)),
  eye: (o) => nn.eye(2, 2, o_(o)),
  full: (o) => nn.full([2], 1, o_(o)),
  fullLike: (o) => nn.fullLike(x, 1, o_(o)),
  linspace: (o) => nn.linspace(0, 1, 3, o_(o)),
  ones: (o) => nn.ones([2], o_(o)),
  onesLike: (o) => nn.onesLike(x, o_(o)),
  rand: (o) => nn.rand([2], o_(o)),
  randint: (o) => nn.randint(0, 3, [2], o_(o)),
  randLike: (o) => nn.randLike(x, o_(o)),
  randn: (o) => nn.randn([2], o_(o)),
  randnLike: (o) => nn.randnLike(x, o_(o)),
  randperm: (o) => nn.randperm(3, o_(o)),
  scalar: (o) => nn.scalar(1, o_(o)),
  tensor: (o) => nn.tensor([1, 2], o_(o)),
  zeros: (o) => nn.zeros([2], o_(o)),
  zerosLike: (o) => nn.zerosLike(x, o_(o)),
  add: (o) => nn.add(x, x, o_(o)),
  sub: (o) => nn.sub(x, x, o_(o)),
  clamp: (o) => nn.clamp(x, o_({ min: 0, ...o })),
  amax: (o) => nn.amax(x, o_(o)),
  amin: (o) => nn.amin(x, o_(o)),
  argmax: (o) => nn.argmax(x, o_(o)),
  argmin: (o) => nn.argmin(x, o_(o)),
  logsumexp: (o) => nn.logsumexp(x, o_({ dim: 1, ...o })),
  max: (o) => nn.max(x, o_({ dim: 1, ...o })),
  min: (o) => nn.min(x, o_({ dim: 1, ...o })),
  mean: (o) => nn.mean(x, o_(o)),
  norm: (o) => nn.norm(x, o_(o)),
  prod: (o) => nn.prod(x, o_(o)),
  std: (o) => nn.std(x, o_(o)),
  sum: (o) => nn.sum(x, o_(o)),
  variance: (o) => nn.variance(x, o_(o)),
  var_: (o) => nn.var_(x, o_(o)),
  flatten: (o) => nn.flatten(x, o_(o)),
  gelu: (o) => nn.gelu(x, o_(o)),
  softplus: (o) => nn.softplus(x, o_(o)),
  dropout: (o) => nn.dropout(x, o_(o)),
  conv1d: (o) => nn.conv1d(img(1, 1, 4), img(1, 1, 2), null, o_(o)),
  conv2d: (o) => nn.conv2d(img(1, 1, 4, 4), img(1, 1, 2, 2), null, o_(o)),
  conv3d: (o) => nn.conv3d(img(1, 1, 4, 4, 4), img(1, 1, 2, 2, 2), null, o_(o)),
  embedding: (o) => nn.embedding(labels, nn.randn([3, 2]), o_(o)),
  batchNorm: (o) => nn.batchNorm(x, null, null, null, null, o_(o)),
  layerNorm: (o) => nn.layerNorm(x, 3, null, null, o_(o)),
  scaledDotProductAttention: (o) =>
    nn.scaledDotProductAttention(img(1, 2, 4), img(1, 3, 4), img(1, 3, 4), o_(o)),
  avgPool2d: (o) => nn.avgPool2d(img(1, 1, 4, 4), o_({ kernelSize: 2, ...o })),
  maxPool1d: (o) => nn.maxPool1d(img(1, 1, 4), o_({ kernelSize: 2, ...o })),
  maxPool2d: (o) => nn.maxPool2d(img(1, 1, 4, 4), o_({ kernelSize: 2, ...o })),
  'Tensor#backward': (o) => nn.randn([2], { requiresGrad: true }).sum().backward(o_(o)),
  'Tensor#backward@1': (o) => nn.randn([2], { requiresGrad: true }).sum().backward(nn.ones([]), o_(o)),
  'Tensor#add': (o) => x.add(x, o_(o)),
  'Tensor#sub': (o) => x.sub(x, o_(o)),
  'Tensor#clamp': (o) => x.clamp(o_({ min: 0, ...o })),
  'Tensor#sum': (o) => x.sum(o_(o)),
  'Tensor#mean': (o) => x.mean(o_(o)),
  'Tensor#prod': (o) => x.prod(o_(o)),
  'Tensor#max': (o) => x.max(o_({ dim: 1, ...o })),
  'Tensor#min': (o) => x.min(o_({ dim: 1, ...o })),
  'Tensor#amax': (o) => x.amax(o_(o)),
  'Tensor#amin': (o) => x.amin(o_(o)),
  'Tensor#argmax': (o) => x.argmax(o_(o)),
  'Tensor#argmin': (o) => x.argmin(o_(o)),
  'Tensor#var': (o) => x.var(o_(o)),
  'Tensor#std': (o) => x.std(o_(o)),
  'Tensor#logsumexp': (o) => x.logsumexp(o_({ dim: 1, ...o })),
  'Tensor#norm': (o) => x.norm(o_(o)),
  'Tensor#flatten': (o) => x.flatten(o_(o)),
  cumsum: (o) => nn.cumsum(x, 1, o_(o)),
  cumprod: (o) => nn.cumprod(x, 1, o_(o)),
  multinomial: (o) => nn.multinomial(nn.tensor([0.2, 0.8]), 1, o_(o)),
  sort: (o) => nn.sort(x, o_(o)),
  argsort: (o) => nn.argsort(x, o_(o)),
  topk: (o) => nn.topk(x, 1, o_(o)),
  'Tensor#cumsum': (o) => x.cumsum(1, o_(o)),
  'Tensor#cumprod': (o) => x.cumprod(1, o_(o)),
  'Tensor#sort': (o) => x.sort(o_(o)),
  'Tensor#argsort': (o) => x.argsort(o_(o)),
  'Tensor#topk': (o) => x.topk(1, o_(o)),
  'Tensor#multinomial': (o) => nn.tensor([0.2, 0.8]).multinomial(1, o_(o)),
  convTranspose1d: (o) => nn.convTranspose1d(img(1, 1, 4), img(1, 1, 2), null, o_(o)),
  convTranspose2d: (o) => nn.convTranspose2d(img(1, 1, 4, 4), img(1, 1, 2, 2), null, o_(o)),
  convTranspose3d: (o) => nn.convTranspose3d(img(1, 1, 4, 4, 4), img(1, 1, 2, 2, 2), null, o_(o)),
  groupNorm: (o) => nn.groupNorm(img(2, 4, 3), 2, null, null, o_(o)),
  interpolate: (o) => nn.interpolate(img(1, 1, 2, 2), o_({ scaleFactor: 2, ...o })),
  // @nn/autograd
  gradcheck: (o) =>
    gradcheck((a) => a.mul(a).sum(), [nn.randn([2], { dtype: 'float64', requiresGrad: true })], o_(o)),
  grad: (o) => {
    const a = nn.randn([2], { requiresGrad: true });
    return nn.grad(a.mul(a).sum(), a, o_(o));
  },
  gradgradcheck: (o) =>
    nn.gradgradcheck((a) => a.mul(a).sum(), [nn.randn([2], { dtype: 'float64', requiresGrad: true })], o_(o)),
  // @nn/layers
  GELU: (o) => new nn.GELU(o_(o)),
  Softplus: (o) => new nn.Softplus(o_(o)),
  Conv1d: (o) => new nn.Conv1d(1, 1, 2, o_(o)),
  Conv2d: (o) => new nn.Conv2d(1, 1, 2, o_(o)),
  Conv3d: (o) => new nn.Conv3d(1, 1, 2, o_(o)),
  Embedding: (o) => new nn.Embedding(3, 2, o_(o)),
  Dense: (o) => new nn.Dense(3, 2, o_(o)),
  Linear: (o) => new nn.Linear(3, 2, o_(o)),
  BatchNorm1d: (o) => new nn.BatchNorm1d(3, o_(o)),
  BatchNorm2d: (o) => new nn.BatchNorm2d(3, o_(o)),
  LayerNorm: (o) => new nn.LayerNorm(3, o_(o)),
  AvgPool2d: (o) => new nn.AvgPool2d(2, o_(o)),
  MaxPool1d: (o) => new nn.MaxPool1d(2, o_(o)),
  MaxPool2d: (o) => new nn.MaxPool2d(2, o_(o)),
  GRU: (o) => new nn.GRU(3, 2, o_(o)),
  LSTM: (o) => new nn.LSTM(3, 2, o_(o)),
  RNN: (o) => new nn.RNN(3, 2, o_(o)),
  Parameter: (o) => nn.Parameter(nn.randn([2]), o_(o)),
  'init.xavierUniform': (o) => nn.init.xavierUniform(nn.zeros([2, 3]), o_(o)),
  'init.xavierNormal': (o) => nn.init.xavierNormal(nn.zeros([2, 3]), o_(o)),
  'init.kaimingUniform': (o) => nn.init.kaimingUniform(nn.zeros([2, 3]), o_(o)),
  'init.kaimingNormal': (o) => nn.init.kaimingNormal(nn.zeros([2, 3]), o_(o)),
  'init.orthogonal': (o) => nn.init.orthogonal(nn.zeros([2, 3]), o_(o)),
  'Module#registerBuffer': (o) => new nn.Linear(3, 2).registerBuffer('extra', nn.zeros([1]), o_(o)),
  'Module#namedParameters': (o) => model.namedParameters(o_(o)),
  'Module#parameters': (o) => model.parameters(o_(o)),
  'Module#loadStateDict': (o) => model.loadStateDict(model.stateDict(), o_(o)),
  MultiheadAttention: (o) => new nn.MultiheadAttention(4, 2, o_(o)),
  'MultiheadAttention#forward': (o) => new nn.MultiheadAttention(4, 2).call(seq(), seq(), seq(), o_(o)),
  ConvTranspose1d: (o) => new nn.ConvTranspose1d(1, 1, 2, o_(o)),
  ConvTranspose2d: (o) => new nn.ConvTranspose2d(1, 1, 2, o_(o)),
  ConvTranspose3d: (o) => new nn.ConvTranspose3d(1, 1, 2, o_(o)),
  GroupNorm: (o) => new nn.GroupNorm(2, 4, o_(o)),
  Upsample: (o) => new nn.Upsample(o_({ scaleFactor: 2, ...o })),
  generateSquareSubsequentMask: (o) => nn.generateSquareSubsequentMask(3, o_(o)),
  TransformerEncoderLayer: (o) => new nn.TransformerEncoderLayer(4, 2, o_(o)),
  'TransformerEncoderLayer#forward': (o) => encoderLayer().call(seq(), o_(o)),
  TransformerDecoderLayer: (o) => new nn.TransformerDecoderLayer(4, 2, o_(o)),
  'TransformerDecoderLayer#forward': (o) => decoderLayer().call(seq(), seq(), o_(o)),
  TransformerEncoder: (o) => new nn.TransformerEncoder(encoderLayer(), 1, o_(o)),
  'TransformerEncoder#forward': (o) => new nn.TransformerEncoder(encoderLayer(), 1).call(seq(), o_(o)),
  TransformerDecoder: (o) => new nn.TransformerDecoder(decoderLayer(), 1, o_(o)),
  'TransformerDecoder#forward': (o) => new nn.TransformerDecoder(decoderLayer(), 1).call(seq(), seq(), o_(o)),
  // @nn/losses
  bceLoss: (o) => nn.bceLoss(probs, probs, o_(o)),
  bceWithLogitsLoss: (o) => nn.bceWithLogitsLoss(nn.randn([4]), probs, o_(o)),
  crossEntropy: (o) => nn.crossEntropy(x, labels, o_(o)),
  crossEntropyLoss: (o) => nn.crossEntropyLoss(x, labels, o_(o)),
  nllLoss: (o) => nn.nllLoss(nn.logSoftmax(x, 1), labels, o_(o)),
  klDiv: (o) => nn.klDiv(nn.randn([4]), probs, o_(o)),
  klDivLoss: (o) => nn.klDivLoss(nn.randn([4]), probs, o_(o)),
  huberLoss: (o) => nn.huberLoss(x, x, o_(o)),
  l1Loss: (o) => nn.l1Loss(x, x, o_(o)),
  mseLoss: (o) => nn.mseLoss(x, x, o_(o)),
  smoothL1Loss: (o) => nn.smoothL1Loss(x, x, o_(o)),
  BCELoss: (o) => new nn.BCELoss(o_(o)),
  BCEWithLogitsLoss: (o) => new nn.BCEWithLogitsLoss(o_(o)),
  CrossEntropyLoss: (o) => new nn.CrossEntropyLoss(o_(o)),
  HuberLoss: (o) => new nn.HuberLoss(o_(o)),
  KLDivLoss: (o) => new nn.KLDivLoss(o_(o)),
  L1Loss: (o) => new nn.L1Loss(o_(o)),
  MSELoss: (o) => new nn.MSELoss(o_(o)),
  NLLLoss: (o) => new nn.NLLLoss(o_(o)),
  SmoothL1Loss: (o) => new nn.SmoothL1Loss(o_(o)),
  // @nn/optim
  Adagrad: (o) => new nn.Adagrad(model.parameters(), o_(o)),
  Adam: (o) => new nn.Adam(model.parameters(), o_(o)),
  AdamW: (o) => new nn.AdamW(model.parameters(), o_(o)),
  RMSprop: (o) => new nn.RMSprop(model.parameters(), o_(o)),
  SGD: (o) => new nn.SGD(model.parameters(), o_({ lr: 0.1, ...o })),
  OneCycleLR: (o) => new nn.OneCycleLR(optimizer, o_({ maxLr: 0.1, totalSteps: 10, ...o })),
  ReduceLROnPlateau: (o) => new nn.ReduceLROnPlateau(optimizer, o_(o)),
  CosineAnnealingLR: (o) => new nn.CosineAnnealingLR(optimizer, o_({ tMax: 10, ...o })),
  ExponentialLR: (o) => new nn.ExponentialLR(optimizer, o_({ gamma: 0.9, ...o })),
  InverseTimeLR: (o) => new nn.InverseTimeLR(optimizer, o_({ decay: 0.1, ...o })),
  LinearLR: (o) => new nn.LinearLR(optimizer, o_(o)),
  MultiStepLR: (o) => new nn.MultiStepLR(optimizer, o_({ milestones: [2], ...o })),
  StepLR: (o) => new nn.StepLR(optimizer, o_({ stepSize: 2, ...o })),
  // @nn/data
  DataLoader: (o) => new nn.DataLoader(dataset, o_(o)),
  loadMnist: (o) => nn.loadMnist(o_(o)),
  loadMnistArrays: (o) => nn.loadMnistArrays(o_(o)),
  randomSplit: (o) => nn.randomSplit(dataset, [1, 1], o_(o)),
  trainTestSplit: (o) => nn.trainTestSplit([x, y], o_(o)),
  loadNames: (o) => nn.loadNames(o_(o)),
  CharVocabulary: (o) => new nn.CharVocabulary(['a', 'b'], o_(o)),
  'CharVocabulary#sequences': (o) => new nn.CharVocabulary(['a', 'b']).sequences(['ab'], 2, o_(o)),
  'CharVocabulary.fromTexts': (o) => nn.CharVocabulary.fromTexts(['ab'], o_(o)),
  // @nn/train
  EarlyStopping: (o) => new nn.EarlyStopping(o_(o)),
  LambdaCallback: (o) => new nn.LambdaCallback(o_(o)),
  ModelCheckpoint: (o) => new nn.ModelCheckpoint(o_({ save: () => {}, ...o })),
  SchedulerCallback: (o) => new nn.SchedulerCallback(new nn.StepLR(optimizer, { stepSize: 1 }), o_(o)),
  NeuralNetwork: (o) => new nn.NeuralNetwork(o_({ layers: [3, 2], ...o })),
  'NeuralNetwork#train': (o) => new nn.NeuralNetwork({ layers: [3, 2] }).train([[0, 0, 0]], [0], o_(o)),
  'NeuralNetwork.fromJSON': (o) => nn.NeuralNetwork.fromJSON({}, o_(o)),
  'NeuralNetwork.load': (o) => nn.NeuralNetwork.load(join(dir, 'none.json'), o_(o)),
  'NeuralNetwork#toJSON': (o) => new nn.NeuralNetwork({ layers: [3, 2] }).toJSON(o_(o)),
  'NeuralNetwork#save': (o) => new nn.NeuralNetwork({ layers: [3, 2] }).save(join(dir, 'net.json'), o_(o)),
  saveWeights: (o) => nn.saveWeights(model, join(dir, 'weights.json'), o_(o)),
  loadWeights: (o) => nn.loadWeights(model, join(dir, 'none.json'), o_(o)),
  serializeStateDict: (o) => nn.serializeStateDict(model.stateDict(), o_(o)),
  deserializeTensor: (o) => nn.deserializeTensor({}, 'w', undefined, o_(o)),
  evaluate: (o) => nn.evaluate(model, [x, y], o_(o)),
  fit: (o) => nn.fit(model, o_({ loss: nn.mseLoss, optimizer, train: [[x, y]], ...o })),
  predict: (o) => nn.predict(model, x, o_(o)),
  Accuracy: (o) => new nn.Accuracy(o_(o)),
  ConfusionMatrix: (o) => new nn.ConfusionMatrix(2, o_(o)),
  MacroScore: (o) => new nn.MacroScore('f1', 2, o_(o)),
  MeanAbsoluteError: (o) => new nn.MeanAbsoluteError(o_(o)),
  MeanSquaredError: (o) => new nn.MeanSquaredError(o_(o)),
  R2Score: (o) => new nn.R2Score(o_(o)),
  TopKAccuracy: (o) => new nn.TopKAccuracy(1, o_(o)),
  ProgressBar: (o) => new nn.ProgressBar(o_(o)),
  // @nn/io
  loadModel: (o) => loadModel(bytes, o_(o)),
  saveModel: (o) => saveModel(model, join(dir, 'model.safetensors'), o_(o)),
  exportOnnx: (o) => exportOnnx(model, x, o_(o)),
  loadSafetensors: (o) => loadSafetensors(bytes, o_(o)),
  readSafetensors: (o) => readSafetensors(bytes, o_(o)),
  writeSafetensors: (o) => writeSafetensors({ w: x }, null, o_(o)),
  loadTorch: (o) => loadTorch(bytes, o_(o)),
  readTorch: (o) => readTorch(bytes, o_(o)),
  // backends
  cpu: (o) => nn.cpu(o_(o)),
  wasm: (o) => wasm(o_(o)),
  webgpu: (o) => webgpu(o_(o)),
};

/** Options parameters that are not nn's to check, with the reason. */
const EXEMPT: Readonly<Record<string, string>> = {
  checkOptions: 'it is the checker: its options argument is the object under test',
  Loss: 'the base class of the loss modules; each subclass passes it the keys to check',
};

async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A wrong spelling of a valid key whose meaning the checker knows: snake_case, else a typo. */
function misspelling(valid: readonly string[]): [string, string] | undefined {
  const camel = valid.find((k) => /[a-z][A-Z]/.test(k));
  if (camel) return [camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), camel];
  const k = valid.find((v) => v.length >= 2 && !valid.includes(`${v}s`));
  return k ? [`${k}s`, k] : undefined;
}

const listed = optionParameters();
const label = (p: OptionParameter) => `${p.pkg} ${p.name} (argument ${p.index})`;
const callOf = (p: OptionParameter): Call | undefined => CALLS[`${p.name}@${p.index}`] ?? CALLS[p.name];

describe('every options object of the public API', () => {
  it('is found in the type declarations (the walk sees the whole API)', () => {
    const names = new Set(listed.map((p) => p.name));
    // A sample across packages: a shrunken list would mean the declarations were not read.
    for (const n of [
      'tensor',
      'sum',
      'Linear',
      'SGD',
      'crossEntropy',
      'DataLoader',
      'fit',
      'saveModel',
      'wasm',
    ])
      expect(names).toContain(n);
    expect(listed.length).toBeGreaterThan(120);
  });

  it('has a call in this test, or a reason not to', () => {
    const missing = listed.filter((p) => !callOf(p) && !EXEMPT[p.name]).map(label);
    expect(missing, `add a call for each of these to CALLS: ${missing.join(', ')}`).toEqual([]);
  });

  it.each(listed.filter((p) => callOf(p)).map((p) => [label(p), p] as const))(
    '%s rejects an unknown key and names the key meant',
    async (_, p) => {
      const call = callOf(p) as Call;
      const e = await thrown(() => call({ not_an_option: 1 }));
      expect(e).toBeInstanceOf(nn.UnknownOptionError);
      const err = e as nn.UnknownOptionError;
      expect(err.unknownKeys).toEqual(['not_an_option']);
      expect(err.message).toMatch(/unknown option 'not_an_option'; valid options: /);
      const wrong = misspelling(err.validKeys);
      if (!wrong) return;
      const [spelt, meant] = wrong;
      const e2 = await thrown(() => call({ [spelt]: 1 }));
      expect(e2).toBeInstanceOf(nn.UnknownOptionError);
      expect((e2 as nn.UnknownOptionError).message).toContain(`'${spelt}' (did you mean '${meant}'?)`);
    },
  );

  it("new SGD(params, { weight_decay }) names weightDecay (the issue's example)", () => {
    expect(() => new nn.SGD(model.parameters(), { lr: 0.1, weight_decay: 0.5 } as never)).toThrow(
      "SGD: unknown option 'weight_decay' (did you mean 'weightDecay'?)",
    );
  });
});
