import { tf } from '@basin/testing';
// Test-only imports of @basin/core's declarations and CPU kernels (the package itself does not depend on it).
import * as core from '../../../core/src/fused';
import { adamPrograms, lionPrograms, momentumPrograms, rmsPrograms, scaledAddPrograms, scaledAddShape, type Dialect, type ProgramSpec } from './formulas';
import { installFusedKernels, FUSED_KERNEL_BACKENDS } from './install';
import * as names from './names';

describe('installFusedKernels', () => {
  it('declares the kernel names @basin/core runs', () => {
    expect([names.BASIN_ADAM_UPDATE, names.BASIN_MOMENTUM_UPDATE, names.BASIN_LION_UPDATE, names.BASIN_RMS_UPDATE, names.BASIN_CLIP_BY_GLOBAL_NORM, names.BASIN_GLOBAL_NORM, names.BASIN_SCALED_ADD]).toEqual([
      ...core.FUSED_KERNEL_NAMES,
    ]);
  });

  it('registers the update kernels for webgl and webgpu, once', () => {
    const first = installFusedKernels();
    expect(FUSED_KERNEL_BACKENDS).toEqual(['webgl', 'webgpu']);
    for (const backend of FUSED_KERNEL_BACKENDS) {
      for (const name of [names.BASIN_ADAM_UPDATE, names.BASIN_MOMENTUM_UPDATE, names.BASIN_LION_UPDATE, names.BASIN_RMS_UPDATE, names.BASIN_SCALED_ADD]) {
        expect(first).toContain(`${backend}/${name}`);
        expect(tf.getKernel(name, backend)).toBeDefined();
      }
    }
    expect(installFusedKernels()).toEqual([]);
    expect(installFusedKernels(['cpu'])).toEqual([]);
  });
});

// The GPU programs' formulas, evaluated in JavaScript (a third dialect of the same bodies), against
// @basin/core's CPU kernels through tf.engine().runKernel: every baked variant, every output.
const js: Dialect = { let: (name, expr) => `const ${name} = ${expr};`, u: (name) => `u.${name}` };

function evaluate(spec: ProgramSpec, inputs: Record<string, Float32Array>, attrs: Record<string, unknown>): Float32Array {
  const body = new Function(
    'u',
    ...spec.inputs,
    `const sqrt = Math.sqrt;
     const div_ = (a, b) => (a === b ? 1 : a / b);
     const sign_ = (x) => (x < 0 ? -1 : x > 0 ? 1 : 0);
     ${spec.body(js)}
     return r;`,
  ) as (...args: unknown[]) => number;
  const n = inputs[spec.inputs[0]].length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = body(attrs, ...spec.inputs.map((name) => inputs[name][i]));
  return out;
}

const seeded = (seed: number, n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 7.31 + i * 1.37));

function check(kernel: string, programs: ProgramSpec[], attrs: Record<string, unknown>, inputNames: string[]): void {
  const shape = [3, 5];
  const values: Record<string, Float32Array> = {};
  inputNames.forEach((name, k) => (values[name] = name === 'nu' || name === 'v' ? seeded(k + 1, 15).map((x) => 1 + x * x) : seeded(k + 1, 15, name === 'mu' ? 0.1 : 1)));
  const used = new Set(programs.flatMap((p) => p.inputs));
  const tensors = Object.fromEntries(inputNames.filter((n) => used.has(n) || n === 'g').map((n) => [n, tf.tensor(values[n], shape)]));
  core.fusedKernelAvailable(kernel); // registers @basin/core's cpu kernels
  const outs = tf.engine().runKernel(kernel, tensors, attrs as never) as tf.Tensor[];
  expect(outs).toHaveLength(programs.length);
  programs.forEach((spec, k) => {
    for (const name of spec.uniforms) expect(typeof attrs[name]).toBe('number');
    const expected = outs[k].dataSync();
    const got = evaluate(spec, values, attrs);
    for (let i = 0; i < expected.length; i++) {
      expect(Number.isFinite(expected[i])).toBe(true);
      expect(Math.abs(got[i] - expected[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[i])));
    }
  });
  tf.dispose([...Object.values(tensors), ...outs]);
}

const bools = (n: number): boolean[][] => Array.from({ length: 1 << n }, (_, m) => Array.from({ length: n }, (_, b) => ((m >> b) & 1) === 1));

describe('GPU formulas agree with the CPU kernels', () => {
  it.each(bools(5))('adam: nesterov %s, epsRoot %s, decay %s, scale %s, apply %s', (nesterov, hasEpsRoot, hasDecay, hasScale, apply) => {
    const attrs = { b1: 0.9, oneMinusB1: 0.1, b2: 0.99, oneMinusB2: 0.01, nesterov, muScale: 1.3, gScale: 0.2, hasEpsRoot, epsRoot: 1e-3, eps: 1e-2, hasDecay, weightDecay: 0.1, hasScale, scale: -0.05, apply };
    check(core.BASIN_ADAM_UPDATE, adamPrograms(attrs), attrs, ['g', 'm', 'v', 'p']);
  });
  it.each(bools(4))('momentum: trace %s, nesterov %s, scale %s, apply %s', (hasTrace, nesterov, hasScale, apply) => {
    const attrs = { hasTrace, decay: 0.9, nesterov, hasScale, scale: -0.1, apply };
    check(core.BASIN_MOMENTUM_UPDATE, momentumPrograms(attrs), attrs, ['g', 't', 'p']);
  });
  it.each(bools(3))('lion: decay %s, scale %s, apply %s', (hasDecay, hasScale, apply) => {
    const attrs = { b1: 0.9, oneMinusB1: 0.1, b2: 0.99, oneMinusB2: 0.01, hasDecay, weightDecay: 0.1, hasScale, scale: -1e-3, apply };
    check(core.BASIN_LION_UPDATE, lionPrograms(attrs), attrs, ['g', 'm', 'p']);
  });
  it.each(bools(6))('rms: epsInSqrt %s, centered %s, trace %s, nesterov %s, scale %s, apply %s', (epsInSqrt, centered, hasTrace, nesterov, hasScale, apply) => {
    const attrs = { decay: 0.9, oneMinusDecay: 0.1, eps: 1e-2, epsInSqrt, correction: 0.5, centered, hasTrace, traceDecay: 0.8, nesterov, hasScale, scale: -0.01, apply };
    check(core.BASIN_RMS_UPDATE, rmsPrograms(attrs), attrs, ['g', 'nu', 'mu', 't', 'p']);
  });
});

describe('GPU scaling formula agrees with the CPU kernel (treeScale, treeAddScaled)', () => {
  it.each(bools(2))('scaledAdd: factor tensor %s, addend %s', (hasFactor, hasAddend) => {
    const shape = [3, 5];
    const x = seeded(1, 15);
    const addend = seeded(2, 15);
    const factor = Float32Array.from({ length: 15 }, () => -0.37);
    const attrs = { scale: -0.37 };
    const inputs: Record<string, tf.Tensor> = { x: tf.tensor(x, shape) };
    if (hasFactor) inputs.factor = tf.scalar(-0.37);
    if (hasAddend) inputs.addend = tf.tensor(addend, shape);
    core.fusedKernelAvailable(core.BASIN_SCALED_ADD);
    const [out] = tf.engine().runKernel(core.BASIN_SCALED_ADD, inputs, attrs as never) as tf.Tensor[];
    const [spec] = scaledAddPrograms(scaledAddShape(inputs));
    const got = evaluate(spec, { x, factor, addend }, attrs);
    const expected = out.dataSync();
    for (let i = 0; i < 15; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[i])));
    tf.dispose([...Object.values(inputs), out]);
  });
});
