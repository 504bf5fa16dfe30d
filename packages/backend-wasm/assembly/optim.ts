// Optimizer updates as single SIMD passes over contiguous f32 buffers. Each reads p, g and the
// state once and writes fresh outputs (the contract returns new storage, never in place).

/**
 * Adam/AdamW. coupledDecay is added to the gradient (Adam's weight_decay); decay multiplies the
 * weights first (AdamW: 1 - lr*wd). denom = sqrt(v or vMax) * invSqrtBc2 + eps. The caller passes
 * 1 - beta1 and 1 - beta2 computed in float64: in f32, 1 - 0.999 is off by 1.3e-5 relative.
 */
export function adamF32(
  n: i32,
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  vMax: usize,
  outP: usize,
  outM: usize,
  outV: usize,
  outX: usize,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
  coupledDecay: f32,
  decay: f32,
  stepSize: f32,
  invSqrtBc2: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(oneMinusBeta1);
  const ob2 = f32x4.splat(oneMinusBeta2);
  const ve = f32x4.splat(eps);
  const vwd = f32x4.splat(coupledDecay);
  const vdecay = f32x4.splat(decay);
  const vstep = f32x4.splat(stepSize);
  const vinv = f32x4.splat(invSqrtBc2);
  const amsgrad = vMax != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const pv = v128.load(p + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, pv));
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(ob1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(ob2, f32x4.mul(gv, gv)));
    v128.store(outM + o, mv);
    v128.store(outV + o, vv);
    let use = vv;
    if (amsgrad) {
      use = f32x4.max(v128.load(vMax + o), vv);
      v128.store(outX + o, use);
    }
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(use), vinv), ve);
    v128.store(outP + o, f32x4.sub(f32x4.mul(pv, vdecay), f32x4.div(f32x4.mul(vstep, mv), denom)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + coupledDecay * pv;
    const mv = beta1 * load<f32>(m + o) + oneMinusBeta1 * gv;
    const vv = beta2 * load<f32>(v + o) + oneMinusBeta2 * gv * gv;
    store<f32>(outM + o, mv);
    store<f32>(outV + o, vv);
    let use = vv;
    if (amsgrad) {
      use = max<f32>(load<f32>(vMax + o), vv);
      store<f32>(outX + o, use);
    }
    store<f32>(outP + o, pv * decay - (stepSize * mv) / (Mathf.sqrt(use) * invSqrtBc2 + eps));
  }
}

/**
 * SGD with optional momentum buffer (buf = 0: plain SGD; first = 1: the buffer starts as the
 * gradient), dampening and Nesterov, as PyTorch defines them.
 */
export function sgdF32(
  n: i32,
  p: usize,
  g: usize,
  buf: usize,
  outP: usize,
  outB: usize,
  lr: f32,
  momentum: f32,
  dampening: f32,
  weightDecay: f32,
  nesterov: i32,
  first: i32,
): void {
  const vlr = f32x4.splat(lr);
  const vmom = f32x4.splat(momentum);
  const vdamp = f32x4.splat(1 - dampening);
  const vwd = f32x4.splat(weightDecay);
  const useBuf = outB != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const pv = v128.load(p + o);
    let d = f32x4.add(v128.load(g + o), f32x4.mul(vwd, pv));
    if (useBuf) {
      const b = first != 0 ? d : f32x4.add(f32x4.mul(vmom, v128.load(buf + o)), f32x4.mul(vdamp, d));
      v128.store(outB + o, b);
      d = nesterov != 0 ? f32x4.add(d, f32x4.mul(vmom, b)) : b;
    }
    v128.store(outP + o, f32x4.sub(pv, f32x4.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o) + weightDecay * pv;
    if (useBuf) {
      const b = first != 0 ? d : momentum * load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(outB + o, b);
      d = nesterov != 0 ? d + momentum * b : b;
    }
    store<f32>(outP + o, pv - lr * d);
  }
}
