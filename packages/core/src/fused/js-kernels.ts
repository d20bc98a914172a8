import * as tf from '@tensorflow/tfjs-core';
import {
  BASIN_ADAM_UPDATE,
  BASIN_CLIP_BY_GLOBAL_NORM,
  BASIN_GLOBAL_NORM,
  BASIN_LION_UPDATE,
  BASIN_MOMENTUM_UPDATE,
  BASIN_RMS_UPDATE,
  BASIN_SCALED_ADD,
  type AdamKernelAttrs,
  type ClipKernelAttrs,
  type GlobalNormKernelAttrs,
  type LionKernelAttrs,
  type MomentumKernelAttrs,
  type RmsKernelAttrs,
  type ScaledAddKernelAttrs,
} from './kernels';

// Plain-JavaScript fused kernels. Each rounds to float32 after every arithmetic step in the
// composed path's order (Math.fround), so on the CPU backend the results are bit for bit those
// of the composed ops. They touch tensor data through the backend's public methods only:
// - a backend that keeps tensors in its WASM heap and has `makeOutput` and `typedArrayFromHeap`
//   (TF.js's WASM backend, whose own kernels use them) is read and written in place;
// - any other backend through `readSync` and `write`, which every TF.js backend implements (on
//   the CPU backend these hand over the typed arrays themselves, without copies).

type Values = ArrayLike<number>;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

interface Storage {
  readSync(dataId: object): unknown;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
}
interface HeapStorage {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** Input values and fresh output arrays for one kernel call, on any backend. */
function io(backend: object, inputs: tf.TensorInfo[], outputShapes: number[][]): { ins: Values[]; outs: Float32Array[]; infos: () => tf.TensorInfo[] } {
  const heap = backend as Partial<HeapStorage>;
  if (typeof heap.makeOutput === 'function' && typeof heap.typedArrayFromHeap === 'function') {
    // Allocate first: an allocation may grow the heap, which detaches views taken before it.
    const infos = outputShapes.map((shape) => heap.makeOutput!(shape.slice(), 'float32'));
    return { ins: inputs.map((i) => heap.typedArrayFromHeap!(i)), outs: infos.map((i) => heap.typedArrayFromHeap!(i)), infos: () => infos };
  }
  const storage = backend as Storage;
  const outs = outputShapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
  return {
    ins: inputs.map((i) => storage.readSync(i.dataId) as Values),
    outs,
    infos: () => outs.map((values, k) => ({ dataId: storage.write(values, outputShapes[k].slice(), 'float32'), shape: outputShapes[k].slice(), dtype: 'float32' as const })),
  };
}

/** Runs `compute` with inputs (a missing one reads as empty) and `outputs` arrays shaped like g. */
function elementwise(args: KernelArgs, names: string[], outputs: number, compute: (ins: Values[], outs: Float32Array[]) => void): tf.TensorInfo[] {
  const shape = args.inputs.g!.shape;
  const present = names.map((n) => args.inputs[n]);
  const { ins, outs, infos } = io(args.backend, present.filter((i): i is tf.TensorInfo => i !== undefined), Array.from({ length: outputs }, () => shape));
  let k = 0;
  const values = present.map((i) => (i === undefined ? new Float32Array(0) : ins[k++]));
  compute(values, outs);
  return infos();
}

const f = Math.fround;

/** Decay, scale and apply after the transform's update, as local booleans and numbers. */
function tailOf(a: { hasDecay?: boolean; weightDecay?: number; hasScale: boolean; scale: number; apply: boolean }) {
  return { decay: a.hasDecay === true, wd: f(a.weightDecay ?? 0), scaled: a.hasScale, scale: f(a.scale), apply: a.apply };
}

export function adamKernel(args: KernelArgs): tf.TensorInfo[] {
  const a = args.attrs as unknown as AdamKernelAttrs;
  const [b1, omb1, b2, omb2, muScale, gScale, epsRoot, eps] = [a.b1, a.oneMinusB1, a.b2, a.oneMinusB2, a.muScale, a.gScale, a.epsRoot, a.eps].map(f);
  const nesterov = a.nesterov === true;
  const hasEpsRoot = a.hasEpsRoot === true;
  const { decay, wd, scaled, scale, apply } = tailOf(a);
  return elementwise(args, ['g', 'm', 'v', 'p'], 3, ([g, m, v, p], [out, m1, v1]) => {
    const n = g.length;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = f(f(m[i] * b1) + f(gi * omb1));
      const vi = f(f(v[i] * b2) + f(f(gi * gi) * omb2));
      m1[i] = mi;
      v1[i] = vi;
      const num = nesterov ? f(f(mi * muScale) + f(gi * gScale)) : f(mi * muScale);
      const root = f(Math.sqrt(hasEpsRoot ? f(vi + epsRoot) : vi));
      let x = f(num / f(root + eps));
      if (decay) x = f(x + f(p[i] * wd));
      if (scaled) x = f(x * scale);
      out[i] = apply ? f(p[i] + x) : x;
    }
  });
}

export function momentumKernel(args: KernelArgs): tf.TensorInfo[] {
  const a = args.attrs as unknown as MomentumKernelAttrs;
  const decay = f(a.decay);
  const hasTrace = a.hasTrace === true;
  const nesterov = a.nesterov === true;
  const { scaled, scale, apply } = tailOf(a);
  return elementwise(args, ['g', 't', 'p'], hasTrace ? 2 : 1, ([g, t, p], [out, t1]) => {
    const n = g.length;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      let x = gi;
      if (hasTrace) {
        const ti = f(gi + f(t[i] * decay));
        t1[i] = ti;
        x = nesterov ? f(gi + f(ti * decay)) : ti;
      }
      if (scaled) x = f(x * scale);
      out[i] = apply ? f(p[i] + x) : x;
    }
  });
}

export function lionKernel(args: KernelArgs): tf.TensorInfo[] {
  const a = args.attrs as unknown as LionKernelAttrs;
  const [b1, omb1, b2, omb2] = [a.b1, a.oneMinusB1, a.b2, a.oneMinusB2].map(f);
  const { decay, wd, scaled, scale, apply } = tailOf(a);
  return elementwise(args, ['g', 'm', 'p'], 2, ([g, m, p], [out, m1]) => {
    const n = g.length;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = m[i];
      const c = f(f(mi * b1) + f(gi * omb1));
      // tf.sign: 0 for 0 and NaN.
      let x = c < 0 ? -1 : c > 0 ? 1 : 0;
      if (decay) x = f(x + f(p[i] * wd));
      if (scaled) x = f(x * scale);
      out[i] = apply ? f(p[i] + x) : x;
      m1[i] = f(f(mi * b2) + f(gi * omb2));
    }
  });
}

export function rmsKernel(args: KernelArgs): tf.TensorInfo[] {
  const a = args.attrs as unknown as RmsKernelAttrs;
  const [decay, omd, eps, corr, traceDecay] = [a.decay, a.oneMinusDecay, a.eps, a.correction, a.traceDecay].map(f);
  const { scaled, scale, apply } = tailOf(a);
  const [centered, hasTrace, nesterov, epsInSqrt] = [a.centered === true, a.hasTrace === true, a.nesterov === true, a.epsInSqrt === true];
  const outputs = 2 + (centered ? 1 : 0) + (hasTrace ? 1 : 0);
  return elementwise(args, ['g', 'nu', 'mu', 't', 'p'], outputs, ([g, nu, mu, t, p], outs) => {
    const [out, nu1] = outs;
    const mu1 = centered ? outs[2] : undefined;
    const t1 = hasTrace ? outs[centered ? 3 : 2] : undefined;
    const n = g.length;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const vi = f(f(nu[i] * decay) + f(f(gi * gi) * omd));
      nu1[i] = vi;
      let variance = f(vi / corr);
      if (mu1) {
        const mi = f(f(mu[i] * decay) + f(gi * omd));
        mu1[i] = mi;
        const q = f(mi / corr);
        variance = f(variance - f(q * q));
      }
      const denom = epsInSqrt ? f(Math.sqrt(f(variance + eps))) : f(f(Math.sqrt(variance)) + eps);
      let x = f(gi / denom);
      if (scaled) x = f(x * scale);
      if (t1) {
        const ti = f(x + f(t[i] * traceDecay));
        t1[i] = ti;
        x = nesterov ? f(x + f(ti * traceDecay)) : ti;
      }
      out[i] = apply ? f(p[i] + x) : x;
    }
  });
}

/**
 * The sum of squares of all entries, as `tf.addN(leaves.map((x) => tf.sum(tf.square(x))))` on the
 * CPU backend: each sum runs in double precision and is stored as float32, then the sums are added
 * in float32.
 */
function sumOfSquares(leaves: Values[]): number {
  let total = 0;
  for (const x of leaves) {
    let sum = 0;
    for (let j = 0; j < x.length; j++) sum += f(x[j] * x[j]);
    total = f(total + f(sum));
  }
  return total;
}

export function clipByGlobalNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const a = attrs as unknown as ClipKernelAttrs;
  const leaves = Array.from({ length: a.count }, (_, k) => inputs[`x${k}`]!);
  const { ins, outs, infos } = io(backend, leaves, leaves.map((x) => x.shape));
  const maxNorm = f(a.maxNorm);
  const factor = f(maxNorm / Math.max(f(Math.sqrt(sumOfSquares(ins))), maxNorm));
  ins.forEach((x, k) => {
    const out = outs[k];
    for (let j = 0; j < x.length; j++) out[j] = f(x[j] * factor);
  });
  return infos();
}

export function globalNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const a = attrs as unknown as GlobalNormKernelAttrs;
  const leaves = Array.from({ length: a.count }, (_, k) => inputs[`x${k}`]!);
  const { ins, outs, infos } = io(backend, leaves, [[]]);
  outs[0][0] = f(Math.sqrt(sumOfSquares(ins)));
  return infos();
}

export function scaledAddKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const a = attrs as unknown as ScaledAddKernelAttrs;
  const present = [inputs.x!, inputs.factor, inputs.addend].filter((i): i is tf.TensorInfo => i !== undefined);
  const { ins, outs, infos } = io(backend, present, [inputs.x!.shape]);
  const [x] = ins;
  const factor = inputs.factor !== undefined ? f(ins[1][0]) : f(a.scale);
  const addend = inputs.addend !== undefined ? ins[ins.length - 1] : undefined;
  const out = outs[0];
  // As tf.add(addend, tf.mul(x, factor)): the product rounded to float32, then the sum.
  if (addend) for (let j = 0; j < x.length; j++) out[j] = f(addend[j] + f(x[j] * factor));
  else for (let j = 0; j < x.length; j++) out[j] = f(x[j] * factor);
  return infos();
}

const KERNELS: [string, (args: KernelArgs) => tf.TensorInfo[]][] = [
  [BASIN_ADAM_UPDATE, adamKernel],
  [BASIN_MOMENTUM_UPDATE, momentumKernel],
  [BASIN_LION_UPDATE, lionKernel],
  [BASIN_RMS_UPDATE, rmsKernel],
  [BASIN_CLIP_BY_GLOBAL_NORM, clipByGlobalNormKernel],
  [BASIN_GLOBAL_NORM, globalNormKernel],
  [BASIN_SCALED_ADD, scaledAddKernel],
];

/**
 * Registers the JavaScript kernels for `backendName`; a kernel already registered there (by
 * another copy of @basin/core, or a faster one) is kept.
 */
export function registerJsFusedKernels(backendName: string): void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (tf.getKernel(kernelName, backendName) === undefined) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
  }
}
