import { tf } from '@basin/testing';
import { compareWithCpu, ErrorLog, randomValues, setUpWasm } from '../../test-helpers/wasm-kernels';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Case = { x: number[]; filter: number[]; strides: number | [number, number]; pad: Pad; format?: 'NHWC' | 'NCHW' };

const CASES: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'valid' },
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'valid' }, // the last row and column are never read
  { x: [2, 9, 8, 3], filter: [2, 3, 3, 2], strides: [2, 3], pad: 'same' },
  { x: [2, 9, 9, 2], filter: [5, 5, 2, 3], strides: 3, pad: 'same' },
  { x: [3, 11, 6, 4], filter: [4, 2, 4, 3], strides: [1, 2], pad: 'same' }, // even filter: asymmetric 'same' padding
  { x: [1, 5, 5, 1], filter: [1, 1, 1, 2], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 1, pad: 1 },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 1, 12, 3], filter: [1, 3, 3, 4], strides: 1, pad: 'same' }, // Conv1D
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'valid' }, // the first layer of the MNIST conv net
  { x: [2, 12, 12, 16], filter: [3, 3, 16, 8], strides: 1, pad: 'valid' },
  { x: [1, 5, 5, 2], filter: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [3, 2], [3, 1], [0, 0]] }, // padding beyond the filter
  { x: [1, 4, 4, 2], filter: [2, 2, 2, 3], strides: 2, pad: [[0, 0], [4, 0], [1, 1], [0, 0]] }, // first output rows see only padding
  { x: [1, 2, 3, 1], filter: [1, 1, 1, 2], strides: 3, pad: [[0, 0], [1, 0], [0, 0], [0, 0]] }, // no input row is ever read: zero gradients
  { x: [2, 3, 8, 8], filter: [3, 3, 3, 4], strides: 2, pad: 'same', format: 'NCHW' },
  { x: [2, 3, 9, 7], filter: [3, 2, 3, 4], strides: 1, pad: 'valid', format: 'NCHW' },
];

const label = (c: Case) => `x [${c.x}] filter [${c.filter}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)} ${c.format ?? 'NHWC'}`;

function outShape(c: Case): number[] {
  const format = c.format === 'NCHW' ? 'channelsFirst' : 'channelsLast';
  return tf.backend_util.computeConv2DInfo(c.x as never, c.filter as never, c.strides, 1, c.pad, undefined, false, format).outShape;
}

const log = new ErrorLog();
beforeAll(setUpWasm);
afterAll(() => log.print());

describe('Conv2DBackpropFilter on WASM', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('matches the CPU backend: %s', async (_, c) => {
    const x = randomValues(c.x, 1);
    const dy = randomValues(outShape(c), 2);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.format ?? 'NHWC', filterShape: c.filter } as never;
    expect(log.record('Conv2DBackpropFilter', await compareWithCpu('Conv2DBackpropFilter', { x, dy }, attrs))).toBeLessThan(1e-5);
  });
});

describe('Conv2DBackpropInput on WASM (Basin replaces the scalar loop)', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('matches the CPU backend: %s', async (_, c) => {
    const filter = randomValues(c.filter, 3);
    const dy = randomValues(outShape(c), 4);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.format ?? 'NHWC', inputShape: c.x } as never;
    expect(log.record('Conv2DBackpropInput', await compareWithCpu('Conv2DBackpropInput', { dy, filter }, attrs))).toBeLessThan(1e-5);
  });
});

describe('conv2d gradients through tf.grads', () => {
  it('agree between WASM and CPU (stride 2, same padding, with bias and relu as tf.layers.conv2d runs it)', async () => {
    const x = randomValues([2, 9, 9, 3], 5);
    const w = randomValues([3, 3, 3, 4], 6);
    const b = randomValues([4], 7);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.square(tf.fused.conv2d({ x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, bias: bi, strides: 2, pad: 'same', activation: 'relu' })));
        return tf.grads(f)([tf.tensor(x.values, x.shape), tf.tensor(w.values, w.shape), tf.tensor(b.values, b.shape)]).map((g) => g.dataSync());
      });
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    await tf.setBackend('cpu');
    cpu.forEach((g, i) => expect(log.record('conv2d grads', maxRel(wasm[i], g))).toBeLessThan(1e-5));
  });
});

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}
