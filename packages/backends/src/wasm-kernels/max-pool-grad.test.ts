import { tf } from '@basin/testing';
import { removeWasmTrainingKernels, installWasmTrainingKernels } from '../wasm-training';
import { setUpWasm } from '../../test-helpers/wasm-kernels';

beforeAll(setUpWasm);

/** The gradient of sum(maxPool(x) * up) (up = 1, 2, 3, ... per output entry) on `backend`. */
async function poolGrad(backend: 'cpu' | 'wasm', values: number[], shape: [number, number, number, number], k: number | [number, number], s: number, pad: 'valid' | 'same'): Promise<number[]> {
  await tf.setBackend(backend);
  const result = tf.tidy(() => {
    const x = tf.tensor4d(values, shape);
    const y = tf.maxPool(x, k, s, pad);
    const up = tf.reshape(tf.range(1, y.size + 1), y.shape);
    return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, k, s, pad), up)))(x);
  });
  const out = Array.from(result.dataSync());
  result.dispose();
  await tf.setBackend('cpu');
  return out;
}

const ramp = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('MaxPoolGrad on WASM', () => {
  const cases: [string, number[], [number, number, number, number], number | [number, number], number, 'valid' | 'same'][] = [
    ['all-negative windows, 2x2 stride 2', ramp(16, (i) => -1 - ((i * 7) % 16)), [1, 4, 4, 1], 2, 2, 'valid'],
    ['all-negative windows, 3x3 stride 1 same (overlapping)', ramp(25, (i) => -1 - ((i * 11) % 25)), [1, 5, 5, 1], 3, 1, 'same'],
    ['zero windows (ties: the first maximum)', ramp(16, () => 0), [1, 4, 4, 1], 2, 2, 'valid'],
    ['mixed signs, 2 images, 3 channels, 3x2 stride 2 same', ramp(2 * 7 * 6 * 3, (i) => ((i * 37) % 23) - 11.5), [2, 7, 6, 3], [3, 2], 2, 'same'],
    ['positive windows, 2x2 stride 2', ramp(16, (i) => 1 + ((i * 7) % 16)), [1, 4, 4, 1], 2, 2, 'valid'],
  ];

  it.each(cases)("equals the CPU backend's, bit for bit: %s", async (_name, values, shape, k, s, pad) => {
    expect(await poolGrad('wasm', values, shape, k, s, pad)).toEqual(await poolGrad('cpu', values, shape, k, s, pad));
  });

  it("replaces tfjs-backend-wasm 4.22's own, which drops the gradient of windows whose maximum is <= 0", async () => {
    const [, values, shape, k, s, pad] = cases[0];
    expect(removeWasmTrainingKernels({ kernels: ['MaxPoolGrad'] })).toEqual(['MaxPoolGrad']);
    try {
      const stock = await poolGrad('wasm', values, shape, k, s, pad);
      const cpu = await poolGrad('cpu', values, shape, k, s, pad);
      // Each of the four windows has dy 1..4 on cpu; the stock kernel keeps only the first.
      expect(cpu.filter((v) => v !== 0).sort()).toEqual([1, 2, 3, 4]);
      expect(stock.filter((v) => v !== 0)).toEqual([1]);
    } finally {
      expect(installWasmTrainingKernels({ kernels: ['MaxPoolGrad'] }).installed).toEqual(['MaxPoolGrad']);
    }
  });

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(ramp(16, (i) => -i), [1, 4, 4, 1]);
    const before = tf.memory().numTensors;
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid')))(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, g]);
    await tf.setBackend('cpu');
  });
});
