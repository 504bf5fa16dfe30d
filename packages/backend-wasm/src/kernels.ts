/** The functions build/kernels*.wasm exports (pointers and strides as plain numbers). */
export interface KernelExports {
  heapBase(): number;
  /** 1 in kernels[-mt]-relaxed.wasm; missing from files built before it existed (read as 0). */
  relaxedSimd?(): number;
  gemmScratchBytes(): number;
  gemm(
    m0: number,
    m1: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    ldc: number,
    scratch: number,
    accumulate: number,
    bias: number,
    epi: number,
  ): void;
  /** Bytes packBAll writes for a k x n B. */
  packedBBytes(k: number, n: number): number;
  packBAll(
    b: number,
    rsB: number,
    csB: number,
    k: number,
    n: number,
    j0: number,
    j1: number,
    dst: number,
  ): void;
  gemmPackedB(
    m0: number,
    m1: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    pb: number,
    c: number,
    ldc: number,
    scratch: number,
    accumulate: number,
    bias: number,
    epi: number,
  ): void;
  im2col(x: number, col: number, meta: number): void;
  adamF32(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    vMax: number,
    outP: number,
    outM: number,
    outV: number,
    outX: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    eps: number,
    coupledDecay: number,
    decay: number,
    stepSize: number,
    invSqrtBc2: number,
  ): void;
  sgdF32(
    n: number,
    p: number,
    g: number,
    buf: number,
    outP: number,
    outB: number,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: number,
    first: number,
  ): void;
  col2im(col: number, x: number, meta: number): void;
  convForward(
    x: number,
    w: number,
    out: number,
    col: number,
    scratch: number,
    meta: number,
    n0: number,
    n1: number,
    bias: number,
    epi: number,
  ): void;
  convBackwardInput(
    dy: number,
    w: number,
    dx: number,
    col: number,
    scratch: number,
    meta: number,
    n0: number,
    n1: number,
  ): void;
  convBackwardWeight(
    x: number,
    dy: number,
    dw: number,
    col: number,
    scratch: number,
    meta: number,
    n0: number,
    n1: number,
  ): void;
  directCorrelate(
    src: number,
    ws: number,
    off: number,
    out: number,
    scratch: number,
    meta: number,
    n0: number,
    n1: number,
    bias: number,
    epi: number,
    mask: number,
  ): void;
  directWeight(
    x: number,
    dy: number,
    off: number,
    dw: number,
    scratch: number,
    meta: number,
    n0: number,
    n1: number,
    mask: number,
    db: number,
  ): void;
  splatWeights(w: number, ws: number, O: number, C: number, kh: number, kw: number, flip: number): void;
  /** 1 when the n floats at p are all finite. */
  allFinite(p: number, n: number): number;
  binaryF32(op: number, out: number, a: number, b: number, rank: number, meta: number, idx: number): void;
  copy32(out: number, x: number, rank: number, meta: number, idx: number): void;
  gatherRows(out: number, x: number, idx: number, idxStride: number, rows: number, rowBytes: number): void;
  softmaxRowsF32(out: number, x: number, rows: number, len: number, log: number): void;
  softmaxBackwardRowsF32(out: number, y: number, dy: number, rows: number, len: number, log: number): void;
  unaryF32(op: number, out: number, x: number, n: number, p0: number, p1: number): void;
  compareF32(op: number, out: number, a: number, b: number, rank: number, meta: number, idx: number): void;
  whereF32(out: number, cond: number, a: number, b: number, rank: number, meta: number, idx: number): void;
  reluBackwardF32(out: number, x: number, g: number, n: number): void;
  /** Returns -1, or the first row with a target out of range. */
  crossEntropyF32(
    out: number,
    x: number,
    target: number,
    rows: number,
    classes: number,
    ignore: number,
    reduction: number,
  ): number;
  crossEntropyBackwardF32(
    out: number,
    x: number,
    target: number,
    g: number,
    rows: number,
    classes: number,
    ignore: number,
    reduction: number,
  ): void;
  maxPool2dF32(x: number, values: number, indices: number, meta: number): void;
  maxPool2dBackwardF32(
    dy: number,
    indices: number,
    dx: number,
    planes: number,
    per: number,
    planeSize: number,
  ): void;
  reduceF32(op: number, out: number, x: number, outer: number, r: number, inner: number): void;
  attentionForward(
    q: number,
    k: number,
    v: number,
    out: number,
    lse: number,
    meta: number,
    work: number,
    scratch: number,
    b0: number,
    b1: number,
  ): void;
  attentionBackward(
    q: number,
    k: number,
    v: number,
    o: number,
    lse: number,
    dout: number,
    dq: number,
    dk: number,
    dv: number,
    meta: number,
    work: number,
    scratch: number,
    b0: number,
    b1: number,
  ): void;
}
