import { tf } from '@basin/testing';
import { compareWithCpu, ErrorLog, maxRelativeError, randomValues, runOn, setUpWasm, type HostTensor } from '../../test-helpers/wasm-kernels';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 10, 10, 2], filter: [3, 3, 2, 2], strides: 2, pad: 'valid' }, // the last row and column are never read
  { x: [2, 9, 8, 4], filter: [2, 3, 4, 1], strides: [2, 3], pad: 'same' },
  { x: [1, 11, 6, 3], filter: [4, 2, 3, 2], strides: [1, 2], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 1, pad: 1 },
  { x: [2, 8, 8, 2], filter: [3, 3, 2, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [4, 12, 12, 8], filter: [3, 3, 8, 2], strides: 1, pad: 'same' },
  { x: [1, 5, 5, 2], filter: [2, 2, 2, 2], strides: 1, pad: [[0, 0], [3, 2], [3, 1], [0, 0]] }, // padding beyond the filter
  { x: [1, 6, 6, 1], filter: [2, 2, 1, 1], strides: 2, pad: [[0, 0], [3, 0], [0, 0], [0, 0]] },
  { x: [1, 2, 3, 2], filter: [1, 1, 2, 1], strides: 3, pad: [[0, 0], [1, 0], [0, 0], [0, 0]] }, // no input row is ever read: zero gradients
];

// TF.js refuses gradients of dilated depthwise convolutions, so these reach the kernels only
// when called directly; the CPU kernels ignore the dilation there, so the reference is float64.
const DILATED: Case[] = [
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 2], strides: 1, pad: 'valid', dilations: 2 },
  { x: [1, 10, 8, 3], filter: [3, 2, 3, 1], strides: 1, pad: 'same', dilations: [2, 3] },
];

const label = (c: Case) => `x [${c.x}] filter [${c.filter}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)} dilations ${JSON.stringify(c.dilations ?? 1)}`;

const infoOf = (c: Case) => tf.backend_util.computeConv2DInfo(c.x as never, c.filter as never, c.strides, c.dilations ?? 1, c.pad, undefined, true);

/** Both gradients of a depthwise convolution from its definition, in float64. */
function reference(c: Case, x: HostTensor, w: HostTensor, dy: HostTensor): { dx: Float64Array; dw: Float64Array } {
  const info = infoOf(c);
  const [n, h, wd, ch] = c.x;
  const [kh, kw, , mult] = c.filter;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dwid } = info;
  const { top, left } = info.padInfo;
  const dx = new Float64Array(x.values.length);
  const dw = new Float64Array(w.values.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < ho; y++)
      for (let xo = 0; xo < wo; xo++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const r = y * sh + i * dh - top;
            const col = xo * sw + j * dwid - left;
            if (r < 0 || r >= h || col < 0 || col >= wd) continue;
            for (let k = 0; k < ch; k++)
              for (let m = 0; m < mult; m++) {
                const g = dy.values[((b * ho + y) * wo + xo) * ch * mult + k * mult + m];
                const xi = ((b * h + r) * wd + col) * ch + k;
                const wi = ((i * kw + j) * ch + k) * mult + m;
                dw[wi] += x.values[xi] * g;
                dx[xi] += w.values[wi] * g;
              }
          }
  return { dx, dw };
}

const log = new ErrorLog();
beforeAll(setUpWasm);
afterAll(() => log.print());

describe('DepthwiseConv2dNativeBackpropFilter on WASM', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('matches the CPU backend: %s', async (_, c) => {
    const x = randomValues(c.x, 11);
    const dy = randomValues(infoOf(c).outShape, 12);
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1, filterShape: c.filter } as never;
    expect(log.record('DepthwiseConv2dNativeBackpropFilter', await compareWithCpu('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs))).toBeLessThan(1e-5);
  });
});

describe('DepthwiseConv2dNativeBackpropInput on WASM', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('matches the CPU backend: %s', async (_, c) => {
    const filter = randomValues(c.filter, 13);
    const dy = randomValues(infoOf(c).outShape, 14);
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1, inputShape: c.x } as never;
    expect(log.record('DepthwiseConv2dNativeBackpropInput', await compareWithCpu('DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs))).toBeLessThan(1e-5);
  });
});

describe('dilated depthwise gradients on WASM', () => {
  it.each([...CASES, ...DILATED].map((c) => [label(c), c] as const))('match a float64 reference: %s', async (_, c) => {
    const x = randomValues(c.x, 15);
    const w = randomValues(c.filter, 16);
    const dy = randomValues(infoOf(c).outShape, 17);
    const ref = reference(c, x, w, dy);
    const common = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1 };
    const dw = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: c.filter } as never);
    const dx = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...common, inputShape: c.x } as never);
    await tf.setBackend('cpu');
    expect(maxRelativeError(dw.values, ref.dw)).toBeLessThan(1e-5);
    expect(maxRelativeError(dx.values, ref.dx)).toBeLessThan(1e-5);
  });
});

describe('depthwise and separable convolution gradients through tf.grads', () => {
  it('agree between WASM and CPU', async () => {
    const x = randomValues([2, 9, 9, 3], 18);
    const dwf = randomValues([3, 3, 3, 2], 19);
    const pwf = randomValues([1, 1, 6, 4], 20);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (xi: tf.Tensor, d: tf.Tensor, p: tf.Tensor) =>
          tf.sum(tf.square(tf.separableConv2d(xi as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 2, 'same')));
        return tf.grads(f)([tf.tensor(x.values, x.shape), tf.tensor(dwf.values, dwf.shape), tf.tensor(pwf.values, pwf.shape)]).map((g) => g.dataSync());
      });
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    await tf.setBackend('cpu');
    cpu.forEach((g, i) => expect(log.record('separableConv2d grads', maxRelativeError(wasm[i], g))).toBeLessThan(1e-5));
  });
});
