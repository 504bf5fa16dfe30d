// f32 element-wise kernels over broadcast operands. The host collapses dims and passes, at
// `meta`, i32 arrays shape[rank], strideA[rank], strideB[rank] (elements); the innermost dim
// runs as a tight loop, in SIMD when both operands step by 1 or one is a broadcast scalar.

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MAX = 4;
const MIN = 5;

// @ts-expect-error: decorator
@inline
function opv(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAX: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

// @ts-expect-error: decorator
@inline
function ops(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case MAX: return max<f32>(a, b);
    default: return min<f32>(a, b);
  }
}

// @ts-expect-error: decorator
@inline
function row(op: i32, out: usize, a: usize, b: usize, n: i32, sa: i32, sb: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, opv(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (sa == 1 && sb == 0) {
    const vb = v128.load32_splat(b);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, opv(op, v128.load(a + o), vb));
    }
  } else if (sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, opv(op, va, v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), ops(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

// @ts-expect-error: decorator
@inline
function binaryOp(op: i32, out: usize, a: usize, b: usize, rank: i32, meta: usize, idx: usize): void {
  const shape = meta;
  const sa = meta + (<usize>rank << 2);
  const sb = sa + (<usize>rank << 2);
  const inner = load<i32>(shape + (<usize>(rank - 1) << 2));
  const ia = load<i32>(sa + (<usize>(rank - 1) << 2));
  const ib = load<i32>(sb + (<usize>(rank - 1) << 2));
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) {
    outer *= load<i32>(shape + (<usize>d << 2));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  let offA: i32 = 0;
  let offB: i32 = 0;
  for (let o = 0; o < outer; o++) {
    row(op, out, a + (<usize>offA << 2), b + (<usize>offB << 2), inner, ia, ib);
    out += <usize>inner << 2;
    let d = rank - 2;
    while (d >= 0) {
      const p = <usize>d << 2;
      const v = load<i32>(idx + p) + 1;
      const sad = load<i32>(sa + p);
      const sbd = load<i32>(sb + p);
      if (v < load<i32>(shape + p)) {
        store<i32>(idx + p, v);
        offA += sad;
        offB += sbd;
        break;
      }
      store<i32>(idx + p, 0);
      offA -= sad * (v - 1);
      offB -= sbd * (v - 1);
      d--;
    }
  }
}

/** out = a (op) b over the broadcast layout at `meta`; `idx` is rank i32 of scratch. */
export function binaryF32(op: i32, out: usize, a: usize, b: usize, rank: i32, meta: usize, idx: usize): void {
  // One call per op keeps each inner loop free of the op switch.
  switch (op) {
    case ADD: binaryOp(ADD, out, a, b, rank, meta, idx); break;
    case SUB: binaryOp(SUB, out, a, b, rank, meta, idx); break;
    case MUL: binaryOp(MUL, out, a, b, rank, meta, idx); break;
    case DIV: binaryOp(DIV, out, a, b, rank, meta, idx); break;
    case MAX: binaryOp(MAX, out, a, b, rank, meta, idx); break;
    default: binaryOp(MIN, out, a, b, rank, meta, idx); break;
  }
}
