import { tf } from '@basin/testing';
import { compareWithCpu, ErrorLog, randomValues, setUpWasm } from '../../test-helpers/wasm-kernels';
import { MIN_WORK } from './matmul';
import { installWasmTrainingKernels, removeWasmTrainingKernels } from '../wasm-training';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const flags = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Shapes of `a` and `b` for the product `[..., m, k] x [..., k, n]` under the flags. */
function shapes(batchA: number[], batchB: number[], m: number, k: number, n: number, tA: boolean, tB: boolean): Case {
  return { a: [...batchA, ...(tA ? [k, m] : [m, k])], b: [...batchB, ...(tB ? [n, k] : [k, n])], transposeA: tA, transposeB: tB };
}

const CASES: Case[] = [];
for (const [tA, tB] of flags) {
  CASES.push(shapes([], [], 128, 96, 64, tA, tB)); // above MIN_WORK: explicit transposes
  CASES.push(shapes([], [], 5, 7, 3, tA, tB)); // below it: the original kernel
  CASES.push(shapes([3], [], 20, 30, 40, tA, tB)); // batched a, single b
  CASES.push(shapes([2], [2], 64, 64, 64, tA, tB)); // both batched: the backend's loop
  CASES.push(shapes([2, 3], [1, 3], 8, 9, 10, tA, tB)); // broadcast batch dims
  CASES.push(shapes([1], [4], 50, 40, 30, tA, tB)); // single a, batched b
}

const label = (c: Case) => `a [${c.a}] b [${c.b}] transposeA ${c.transposeA} transposeB ${c.transposeB}`;

const log = new ErrorLog();
beforeAll(setUpWasm);
afterAll(() => log.print());

describe('BatchMatMul on WASM (transposes made explicit)', () => {
  it('has thresholds that the cases below straddle', () => {
    expect(128 * 96 * 64).toBeGreaterThan(MIN_WORK);
    expect(5 * 7 * 3).toBeLessThan(MIN_WORK);
  });

  it.each(CASES.map((c) => [label(c), c] as const))('matches the CPU backend: %s', async (_, c) => {
    const inputs = { a: randomValues(c.a, 41), b: randomValues(c.b, 42) };
    const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
    expect(log.record('BatchMatMul', await compareWithCpu('BatchMatMul', inputs, attrs))).toBeLessThan(1e-5);
  });
});

describe('_FusedMatMul on WASM (Dense layers)', () => {
  const fused: [string, Case, string, boolean][] = [];
  for (const [tA, tB] of flags) {
    fused.push(['bias + relu', shapes([1], [1], 64, 100, 48, tA, tB), 'relu', true]);
    fused.push(['linear, no bias', shapes([1], [1], 64, 100, 48, tA, tB), 'linear', false]);
    fused.push(['small', shapes([1], [1], 4, 6, 5, tA, tB), 'relu', true]);
    fused.push(['batched', shapes([3], [3], 20, 12, 16, tA, tB), 'relu6', true]);
    fused.push(['batched a, single b', shapes([3], [1], 20, 12, 16, tA, tB), 'sigmoid', true]);
  }
  it.each(fused.map(([what, c, act, bias]) => [`${what}: ${label(c)}`, c, act, bias] as const))('matches the CPU backend: %s', async (_, c, activation, withBias) => {
    const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
    const inputs = { a: randomValues(c.a, 43), b: randomValues(c.b, 44), ...(withBias ? { bias: randomValues([n], 45) } : {}) };
    const attrs = { transposeA: c.transposeA, transposeB: c.transposeB, activation };
    expect(log.record('_FusedMatMul', await compareWithCpu('_FusedMatMul', inputs, attrs))).toBeLessThan(1e-5);
  });

  it("gets the bias right where TF.js 4.22's own kernel does not (transposes, batches)", async () => {
    // The case the backend's own kernel computes wrongly: below every threshold, transposed, biased.
    const c = shapes([1], [1], 6, 4, 5, true, false);
    const inputs = { a: randomValues(c.a, 48), b: randomValues(c.b, 49), bias: randomValues([5], 50) };
    const attrs = { transposeA: true, transposeB: false, activation: 'linear' };
    removeWasmTrainingKernels({ kernels: ['_FusedMatMul'] });
    try {
      expect(await compareWithCpu('_FusedMatMul', inputs, attrs)).toBeGreaterThan(1e-2);
    } finally {
      installWasmTrainingKernels({ kernels: ['_FusedMatMul'] });
    }
    expect(await compareWithCpu('_FusedMatMul', inputs, attrs)).toBeLessThan(1e-5);
    const batched = { a: randomValues([3, 4, 6], 51), b: randomValues([3, 6, 5], 52), bias: randomValues([5], 53) };
    expect(await compareWithCpu('_FusedMatMul', batched, { transposeA: false, transposeB: false, activation: 'relu' })).toBeLessThan(1e-5);
  });

  it('a dense layer trains to the same weights on WASM as on CPU', async () => {
    const x = randomValues([32, 20], 46);
    const y = randomValues([32, 8], 47);
    const train = async (backend: string) => {
      await tf.setBackend(backend);
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [20], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
      model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      const [xs, ys] = [tf.tensor(x.values, x.shape), tf.tensor(y.values, y.shape)];
      await model.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      tf.dispose([xs, ys]);
      model.dispose();
      return weights.flat();
    };
    const cpu = await train('cpu');
    // TF.js's test-mode leak check flags tfjs-layers' fused Dense op on WASM, with or without Basin's kernels.
    tf.env().set('IS_TEST', false);
    const wasm = await train('wasm').finally(() => tf.env().set('IS_TEST', true));
    await tf.setBackend('cpu');
    let worst = 0;
    cpu.forEach((v, i) => (worst = Math.max(worst, Math.abs(wasm[i] - v))));
    expect(worst).toBeLessThan(1e-5);
  });
});
