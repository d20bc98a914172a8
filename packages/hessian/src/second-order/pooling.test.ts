// Second-order pooling gradients: the gradient of MaxPoolGrad is exactly the adjoint of the
// backend's own MaxPoolGrad (ties included, both formulations, CPU and WASM); exact HVPs through
// conv + max/average pooling match a float64 finite-difference reference of the true function
// and fourth-order finite differences of TF.js's gradient; first-order gradients are TF.js's own;
// no kernel of rank above 4 runs.
import { expectNoLeak, tf } from '@basin/testing';
import '@tensorflow/tfjs-backend-wasm';
import { treeDispose, treeFlatten, treeUnflatten } from '@basin/core';
import { hessian } from '../hessian';
import { modelObjective } from '../objective';
import { exactHvp, F, fdHvp, randn, relativeError, separated, withoutKernelLeakCheck } from '../../test-helpers/reference';
import { maxPoolGradAdjoint, maxPoolGradAdjointValue } from './pooling';
import { withSecondOrderGradients } from './registry';

type Pad = 'valid' | 'same';
type Pair = number | [number, number];
interface PoolCase {
  name: string;
  shape: [number, number, number, number];
  filterSize: Pair;
  strides: Pair;
  pad: Pad;
}

const img = (t: tf.Tensor) => t as tf.Tensor4D;

// Pool sizes, strides and paddings of Keras' MaxPooling2D (strides default to the pool size).
const POOLS: PoolCase[] = [
  { name: '2x2 (Keras default), valid, even input', shape: [2, 4, 6, 2], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2 (Keras default), valid, odd input', shape: [2, 5, 5, 2], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2 stride 2 same, odd input', shape: [2, 5, 7, 2], filterSize: 2, strides: 2, pad: 'same' },
  { name: '3x3 stride 2 same (overlapping)', shape: [2, 7, 6, 2], filterSize: 3, strides: 2, pad: 'same' },
  { name: '3x3 stride 3 valid', shape: [1, 7, 8, 3], filterSize: 3, strides: 3, pad: 'valid' },
  { name: '2x2 stride 1 valid', shape: [2, 4, 5, 2], filterSize: 2, strides: 1, pad: 'valid' },
  { name: '3x3 stride 1 same', shape: [1, 5, 5, 2], filterSize: 3, strides: 1, pad: 'same' },
  { name: '[2, 3] strides [1, 2] same', shape: [2, 5, 6, 2], filterSize: [2, 3], strides: [1, 2], pad: 'same' },
  { name: '[3, 2] strides [2, 1] valid', shape: [1, 6, 5, 2], filterSize: [3, 2], strides: [2, 1], pad: 'valid' },
];

/** Integers 0..2 (many ties) drawn by a seeded generator; integer G and dy keep every sum exact. */
function smallInts(shape: number[], seed: number, levels = 3, offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s >>> 16) % levels + offset);
  }
  return tf.tensor(out, shape);
}

const maxPoolGradKernel = (dy: tf.Tensor, x: tf.Tensor, y: tf.Tensor, c: PoolCase): tf.Tensor =>
  tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: c.filterSize, strides: c.strides, pad: c.pad } as unknown as tf.NamedAttrMap) as tf.Tensor;

/**
 * Where the backend's MaxPoolGrad sends each window's dy, one MaxPoolGrad per window (dy = e_w),
 * and the exact adjoint that defines: A^T G at window w is G at that pixel (0 if it sends it nowhere,
 * as WASM does for some windows whose maximum is <= 0).
 */
function adjointFromMaxPoolGrad(G: tf.Tensor, x: tf.Tensor, c: PoolCase): number[] {
  return tf.tidy(() => {
    const y = tf.maxPool(img(x), c.filterSize, c.strides, c.pad);
    const g = G.dataSync();
    const out: number[] = [];
    for (let w = 0; w < y.size; w++) {
      const e = tf.reshape(tf.cast(tf.oneHot(tf.tensor1d([w], 'int32'), y.size), 'float32'), y.shape);
      const routed = maxPoolGradKernel(e, x, y, c).dataSync();
      const hits = Array.from(routed).flatMap((v, p) => (v !== 0 ? [p] : []));
      if (hits.length > 1 || (hits.length === 1 && routed[hits[0]] !== 1)) throw new Error(`window ${w}: MaxPoolGrad routed to ${JSON.stringify(hits)}`);
      out.push(hits.length === 1 ? g[hits[0]] : 0);
    }
    return out;
  });
}

/** `offset` -2 makes most windows' maximum <= 0 (where WASM's MaxPoolGrad drops or misroutes dy). */
function expectExactAdjoint(c: PoolCase, seed: number, offset = 0): void {
  const x = smallInts(c.shape, seed, 3, offset);
  const G = smallInts(c.shape, seed + 1, 7, -3);
  const y = tf.maxPool(img(x), c.filterSize, c.strides, c.pad);
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
  const expected = adjointFromMaxPoolGrad(G, x, c);
  const [value, op] = [maxPoolGradAdjointValue(img(G), img(x), img(y), attrs), maxPoolGradAdjoint(img(G), img(x), img(y), attrs)];
  expect(value.shape).toEqual(y.shape);
  expect(Array.from(value.dataSync())).toEqual(expected);
  expect(Array.from(op.dataSync())).toEqual(expected);
  tf.dispose([x, G, y, value, op]);
}

describe('gradient of MaxPoolGrad: the exact adjoint of the backend kernel, ties included', () => {
  it.each(POOLS.map((c) => [c.name, c] as const))('cpu: %s', (_name, c) => {
    expectExactAdjoint(c, 3);
    expectExactAdjoint(c, 17, -2);
  });

  it("TF.js's CPU max-pool gradient gives a tie to the first maximum in row-major window order, and installing changes no first-order gradient", () => {
    // One 2x2 window of equal values, and a 3x3 'same' pooling over a tie-heavy image.
    const x = tf.ones([1, 2, 2, 1]);
    const grad = () => tf.tidy(() => Array.from(tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(img(a), 2, 2, 'valid')))(x).dataSync()));
    expect(grad()).toEqual([1, 0, 0, 0]);
    expect(withSecondOrderGradients(grad)).toEqual([1, 0, 0, 0]);
    const t = smallInts([2, 5, 6, 2], 5);
    const w = randn([2, 3, 3, 2], 6);
    const grads = () => tf.tidy(() => Array.from(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(img(a), 3, 2, 'same'), w)))(t).dataSync()));
    const stock = grads();
    expect(withSecondOrderGradients(grads)).toEqual(stock);
    tf.dispose([x, t, w]);
  });
});

describe('on the WASM backend', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it("WASM's max-pool gradient gives a tie to the last maximum; the adjoint follows it", () => {
    expect(tf.getBackend()).toBe('wasm');
    const x = tf.ones([1, 2, 2, 1]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(img(a), 2, 2, 'valid')))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 1]);
    tf.dispose([x, g]);
  });

  it.each(POOLS.map((c) => [c.name, c] as const))('wasm: %s', (_name, c) => {
    expectExactAdjoint(c, 3);
    expectExactAdjoint(c, 17, -2);
  });

  it('an exact HVP through max and average pooling matches finite differences on WASM', () =>
    withoutKernelLeakCheck(() => {
      // Positive inputs: WASM's own first-order gradient is wrong for windows whose maximum is <= 0.
      const W = randn([2, 3, 2, 2], 9);
      const f: F = ([x]) => tf.sum(tf.mul(tf.square(tf.avgPool(tf.maxPool(img(x), 3, 2, 'same'), 2, 1, 'valid')), W)) as tf.Scalar;
      const x = tf.tidy(() => tf.add(separated([2, 7, 6, 2], 21, 0.05), 6));
      const v = randn(x.shape, 22);
      const error = relativeError(exactHvp(f, [x], [v]), fdHvp(f, [x], [v], 2e-3));
      tf.dispose([W, x, v]);
      expect(error).toBeLessThan(1e-3);
    }));

  it('and through ReLU dead windows (all-zero windows, which WASM routes to no pixel or to pixel 0)', () =>
    withoutKernelLeakCheck(() => {
      const W = randn([2, 4, 3, 2], 10);
      const f: F = ([x]) => tf.sum(tf.mul(tf.square(tf.maxPool(img(tf.relu(x)), 2, 2, 'same')), W)) as tf.Scalar;
      const x = separated([2, 7, 6, 2], 23, 0.15);
      const v = randn(x.shape, 24);
      const error = relativeError(exactHvp(f, [x], [v]), fdHvp(f, [x], [v], 1e-3));
      tf.dispose([W, x, v]);
      expect(error).toBeLessThan(1e-3);
    }));
});

// A float64 reference of the true function: conv (same, stride 1) + tanh -> max pool -> average
// pool -> dense -> mean squared error, on plain arrays, and its HVP by nested central differences
// (the gradient of the directional derivative), independent of TF.js.
interface NetCase {
  name: string;
  input: [number, number, number, number];
  channels: number;
  max: { filterSize: Pair; strides: Pair; pad: Pad };
  avg: { filterSize: Pair; strides: Pair; pad: Pad };
}

const NETS: NetCase[] = [
  { name: 'maxPool 2x2 (Keras default) + avgPool 2x2 (Keras default)', input: [2, 8, 8, 1], channels: 2, max: { filterSize: 2, strides: 2, pad: 'valid' }, avg: { filterSize: 2, strides: 2, pad: 'valid' } },
  { name: 'maxPool 3x3 stride 2 same + avgPool 2x2 stride 1 valid', input: [2, 7, 7, 1], channels: 2, max: { filterSize: 3, strides: 2, pad: 'same' }, avg: { filterSize: 2, strides: 1, pad: 'valid' } },
  { name: 'maxPool [2, 3] strides [1, 2] same + avgPool 2x2 same (no padding needed)', input: [2, 6, 7, 1], channels: 2, max: { filterSize: [2, 3], strides: [1, 2], pad: 'same' }, avg: { filterSize: 2, strides: 2, pad: 'same' } },
];

interface Dims {
  n: number;
  h: number;
  w: number;
  c: number;
}

/** TF.js's pooling geometry (computePool2DInfo), as plain numbers. */
function geometry(h: number, w: number, p: { filterSize: Pair; strides: Pair; pad: Pad }) {
  const [fH, fW] = typeof p.filterSize === 'number' ? [p.filterSize, p.filterSize] : p.filterSize;
  const [sH, sW] = typeof p.strides === 'number' ? [p.strides, p.strides] : p.strides;
  if (p.pad === 'valid') return { fH, fW, sH, sW, oH: Math.ceil((h - fH + 1) / sH), oW: Math.ceil((w - fW + 1) / sW), top: 0, left: 0 };
  const oH = Math.ceil(h / sH);
  const oW = Math.ceil(w / sW);
  const top = Math.floor(Math.max((oH - 1) * sH + fH - h, 0) / 2);
  const left = Math.floor(Math.max((oW - 1) * sW + fW - w, 0) / 2);
  return { fH, fW, sH, sW, oH, oW, top, left };
}

/** Pooling in float64; `gaps` collects, per max window, the distance from the maximum to the runner-up. */
function pool64(a: Float64Array, d: Dims, p: { filterSize: Pair; strides: Pair; pad: Pad }, kind: 'max' | 'avg', gaps?: number[]): [Float64Array, Dims] {
  const g = geometry(d.h, d.w, p);
  const out = new Float64Array(d.n * g.oH * g.oW * d.c);
  let o = 0;
  for (let b = 0; b < d.n; b++)
    for (let r = 0; r < g.oH; r++)
      for (let q = 0; q < g.oW; q++)
        for (let ch = 0; ch < d.c; ch++) {
          const vals: number[] = [];
          for (let i = 0; i < g.fH; i++)
            for (let j = 0; j < g.fW; j++) {
              const rr = r * g.sH - g.top + i;
              const cc = q * g.sW - g.left + j;
              if (rr >= 0 && rr < d.h && cc >= 0 && cc < d.w) vals.push(a[((b * d.h + rr) * d.w + cc) * d.c + ch]);
            }
          if (kind === 'avg') out[o++] = vals.reduce((s, v) => s + v, 0) / vals.length;
          else {
            const sorted = [...vals].sort((u, v) => v - u);
            if (gaps && sorted.length > 1) gaps.push(sorted[0] - sorted[1]);
            out[o++] = sorted[0];
          }
        }
  return [out, { n: d.n, h: g.oH, w: g.oW, c: d.c }];
}

function netLoss64(params: number[], x: Float64Array, target: Float64Array, net: NetCase, gaps?: number[]): number {
  const [n, h, w, cin] = net.input;
  const cout = net.channels;
  let k = 0;
  const kernel = params.slice(k, (k += 9 * cin * cout));
  const bias = params.slice(k, (k += cout));
  const conv = new Float64Array(n * h * w * cout);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < h; r++)
      for (let q = 0; q < w; q++)
        for (let co = 0; co < cout; co++) {
          let s = bias[co];
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              const rr = r + i - 1;
              const cc = q + j - 1;
              if (rr < 0 || rr >= h || cc < 0 || cc >= w) continue;
              for (let ci = 0; ci < cin; ci++) s += x[((b * h + rr) * w + cc) * cin + ci] * kernel[((i * 3 + j) * cin + ci) * cout + co];
            }
          conv[((b * h + r) * w + q) * cout + co] = Math.tanh(s);
        }
  const [pooled, d1] = pool64(conv, { n, h, w, c: cout }, net.max, 'max', gaps);
  const [avg, d2] = pool64(pooled, d1, net.avg, 'avg');
  const features = d2.h * d2.w * d2.c;
  const classes = target.length / n;
  const dense = params.slice(k, (k += features * classes));
  const db = params.slice(k, (k += classes));
  let loss = 0;
  for (let b = 0; b < n; b++)
    for (let o = 0; o < classes; o++) {
      let s = db[o];
      for (let f = 0; f < features; f++) s += avg[b * features + f] * dense[f * classes + o];
      loss += (s - target[b * classes + o]) ** 2;
    }
  return loss / (n * classes);
}

/** H v by central differences of the directional derivative, in float64. */
function nestedFdHvp(loss: (p: number[]) => number, p: number[], v: number[], h = 1e-5): number[] {
  const along = (q: number[]) => (loss(q.map((t, i) => t + h * v[i])) - loss(q.map((t, i) => t - h * v[i]))) / (2 * h);
  return p.map((_, i) => {
    const plus = p.slice();
    const minus = p.slice();
    plus[i] += h;
    minus[i] -= h;
    return (along(plus) - along(minus)) / (2 * h);
  });
}

function netTf(net: NetCase, x: tf.Tensor, target: tf.Tensor): F {
  return ([k, b, w, db]) => {
    const h = tf.tanh(tf.add(tf.conv2d(img(x), img(k), 1, 'same'), b));
    const m = tf.maxPool(img(h), net.max.filterSize, net.max.strides, net.max.pad);
    const a = tf.avgPool(m, net.avg.filterSize, net.avg.strides, net.avg.pad);
    const out = tf.add(tf.matMul(tf.reshape(a, [net.input[0], -1]) as tf.Tensor2D, w as tf.Tensor2D), db);
    return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
  };
}

describe('exact HVP through conv + max pooling + average pooling', () => {
  it.each(NETS.map((c) => [c.name, c] as const))('matches a float64 nested finite-difference HVP of the true function: %s', (_name, net) =>
    withoutKernelLeakCheck(() => {
      const [n, h, w, cin] = net.input;
      const shapes = (() => {
        const g1 = geometry(h, w, net.max);
        const g2 = geometry(g1.oH, g1.oW, net.avg);
        return [[3, 3, cin, net.channels], [net.channels], [g2.oH * g2.oW * net.channels, 3], [3]];
      })();
      const x = randn(net.input, 1);
      const target = randn([n, 3], 2);
      const params = shapes.map((s, i) => randn(s, 10 + i, 0.3));
      const vs = shapes.map((s, i) => randn(s, 20 + i));
      const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));
      const x64 = Float64Array.from(x.dataSync());
      const t64 = Float64Array.from(target.dataSync());
      const gaps: number[] = [];
      netLoss64(flat(params), x64, t64, net, gaps);
      // Clear winners: the finite-difference steps (1e-5) cannot swap a window's maximum.
      expect(Math.min(...gaps)).toBeGreaterThan(1e-3);
      const reference = nestedFdHvp((p) => netLoss64(p, x64, t64, net), flat(params), flat(vs));
      const exact = exactHvp(netTf(net, x, target), params, vs);
      const error = relativeError(exact, reference);
      tf.dispose([x, target, ...params, ...vs]);
      expect(error).toBeLessThan(1e-5);
    }),
  );

  it('matches finite differences of TF.js gradient through ReLU dead windows (ties that persist) and a same-padded average pool', () =>
    withoutKernelLeakCheck(() => {
      // Negative inputs become zeros: windows of equal zeros stay tied under the finite-difference
      // steps, so the gradient TF.js computes keeps routing them by its tie rule.
      const x = separated([2, 7, 7, 2], 1, 0.05);
      const W = randn([2, 2, 2, 2], 2);
      const f: F = ([a]) => tf.sum(tf.mul(tf.square(tf.avgPool(tf.maxPool(img(tf.relu(a)), 2, 2, 'same'), 3, 2, 'same')), W)) as tf.Scalar;
      const v = randn(x.shape, 3);
      const error = relativeError(exactHvp(f, [x], [v]), fdHvp(f, [x], [v], 2e-3));
      tf.dispose([x, W, v]);
      expect(error).toBeLessThan(1e-3);
    }));

  it('a numeric pad with dimRoundingMode', () =>
    withoutKernelLeakCheck(() => {
      const W = randn([2, 3, 3, 2], 7);
      const f: F = ([x]) => tf.sum(tf.mul(tf.square(tf.maxPool(img(x), 3, 2, 1, 'floor')), W)) as tf.Scalar;
      const x = separated([2, 6, 6, 2], 8);
      const v = randn(x.shape, 9);
      const error = relativeError(exactHvp(f, [x], [v]), fdHvp(f, [x], [v], 2e-3));
      tf.dispose([W, x, v]);
      expect(error).toBeLessThan(1e-3);
    }));

  it('third derivatives through max pooling are defined and match finite differences of the HVP', () =>
    withoutKernelLeakCheck(() => {
      const W = randn([1, 2, 3, 2], 11);
      const f: F = ([x]) => tf.sum(tf.mul(tf.pow(tf.maxPool(img(x), 2, 2, 'same'), 3), W)) as tf.Scalar;
      const x = separated([1, 4, 5, 2], 12, 0.05);
      const [v, u] = [randn(x.shape, 13), randn(x.shape, 14)];
      // d/dt <H(x + t u) v, 1-weighted> by double backprop of the HVP, against central differences.
      const third = withSecondOrderGradients(() =>
        tf.tidy(() => {
          const g = tf.grad((a: tf.Tensor) => {
            const inner = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.grad((c: tf.Tensor) => f([c]))(b), v)))(a);
            return tf.sum(tf.mul(inner, u)) as tf.Scalar;
          })(x);
          return Array.from(g.dataSync());
        }),
      );
      const hvpAt = (t: number): number[] => {
        const moved = tf.add(x, tf.mul(v, t));
        const hv = exactHvp(f, [moved], [u]);
        moved.dispose();
        return hv;
      };
      const h = 1e-3;
      const [p, m] = [hvpAt(h), hvpAt(-h)];
      const reference = p.map((pi, i) => (pi - m[i]) / (2 * h));
      tf.dispose([W, x, v, u]);
      expect(relativeError(third, reference)).toBeLessThan(1e-3);
    }));

  it('runs no kernel above rank 4 and leaks no tensors', async () => {
    const before = tf.env().getBool('IS_TEST');
    tf.env().set('IS_TEST', false);
    try {
      const W = randn([2, 3, 3, 2], 7);
      const f: F = ([x]) => tf.sum(tf.mul(tf.square(tf.maxPool(img(x), 3, 2, 'same')), W)) as tf.Scalar;
      const x = separated([2, 6, 6, 2], 8);
      const v = randn(x.shape, 9);
      const info = await tf.profile(() => {
        exactHvp(f, [x], [v]);
      });
      const ranks = info.kernels.flatMap((k) => [...k.inputShapes, ...k.outputShapes].map((s) => (s ? s.length : 0)));
      expect(Math.max(...ranks)).toBeLessThanOrEqual(4);
      expect(info.kernels.map((k) => k.name)).toContain('DepthwiseConv2dNative');
      expectNoLeak(() => {
        exactHvp(f, [x], [v]);
      });
      tf.dispose([W, x, v]);
    } finally {
      tf.env().set('IS_TEST', before);
    }
  });
});

// Keras' pooling layers with other pool sizes, strides and paddings (the layer table has the
// defaults), through modelObjective: the exact HVP against fourth-order finite differences.
describe('tf.layers pooling variants', () => {
  const pointwise = () =>
    tf.layers.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.constant({ value: 0.6 }), biasInitializer: tf.initializers.randomNormal({ seed: 6, stddev: 0.3 }) });
  const conv = () =>
    tf.layers.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }), biasInitializer: tf.initializers.randomNormal({ seed: 6, stddev: 0.3 }) });
  const rows: [string, () => tf.layers.Layer[], boolean][] = [
    ['MaxPooling2D 3x3 stride 2 same', () => [pointwise(), tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })], true],
    ['MaxPooling2D [2, 3] stride 1 valid', () => [pointwise(), tf.layers.maxPooling2d({ poolSize: [2, 3], strides: 1, padding: 'valid' })], true],
    ['AveragePooling2D 3x3 stride 2 same', () => [conv(), tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })], false],
    ['AveragePooling2D 2x2 stride 1 valid', () => [conv(), tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' })], false],
  ];
  it.each(rows)('%s', (_name, layers, needsSeparated) =>
    withoutKernelLeakCheck(() => {
      const model = tf.sequential({ layers: [...layers(), tf.layers.flatten(), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }) })] });
      const x = needsSeparated ? tf.tidy(() => { const s = separated([4, 7, 7, 1], 31, 0.1); return tf.concat([s, s], 3); }) : randn([4, 7, 7, 2], 12);
      const y = randn([4, 3], 21);
      const objective = modelObjective(model, { x, y, loss: 'meanSquaredError' });
      const v = treeUnflatten(objective.params, treeFlatten(objective.params).map((p, i) => randn(p.shape, 100 + i)));
      const exact = hessian(objective).hvp(v);
      const fd = hessian(objective, { mode: 'finiteDifference', order: 4, step: 2e-3 }).hvp(v);
      const flat = (t: typeof v) => treeFlatten(t).flatMap((leaf) => Array.from(leaf.dataSync()));
      const error = relativeError(flat(exact), flat(fd));
      treeDispose([exact, fd, v]);
      tf.dispose([x, y]);
      model.dispose();
      expect(error).toBeLessThan(1e-3);
    }),
  );
});
