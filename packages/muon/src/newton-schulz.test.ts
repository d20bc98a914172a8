import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { BasinError } from '@basin/core';
import { CUBIC_COEFFICIENTS, newtonSchulz, QUINTIC_COEFFICIENTS } from './newton-schulz';
import {
  frobenius,
  matmul,
  randomMatrix,
  referenceNewtonSchulz,
  singularValues,
  stepPolynomial,
  toMat,
  transpose,
  type Mat,
} from '../test-helpers';

const run = (g: Mat, options?: Parameters<typeof newtonSchulz>[1]): Mat => {
  const t = tf.tensor2d(g);
  const out = newtonSchulz(t, options);
  const values = toMat(out.dataSync(), out.shape[0], out.shape[1]);
  tf.dispose([t, out]);
  return values;
};

const five = Array.from({ length: 5 }, () => QUINTIC_COEFFICIENTS);

describe('newtonSchulz', () => {
  it.each([
    ['square', 6, 6],
    ['wide', 4, 9],
    ['tall (transposed while iterating)', 9, 4],
  ])('matches the float64 formula on a %s matrix (rel. 1e-4)', (_, rows, cols) => {
    const g = randomMatrix(rows, cols, rows * 31 + cols);
    const ours = run(g);
    const ref = referenceNewtonSchulz(g, five);
    expectClose(ours.flat(), ref.flat(), 1e-4);
  });

  it('maps each singular value through the quintic polynomial five times', () => {
    // NS acts on singular values only: sigma' = p^5(sigma / (||G||_F + eps)). Checked by an
    // independent Jacobi SVD of the input and of the output, in float64.
    const g = randomMatrix(12, 7, 5);
    const norm = frobenius(g) + 1e-8;
    // The polynomial is not monotone, so compare the sorted values.
    const predicted = singularValues(g)
      .map((s) => five.reduce((x, abc) => stepPolynomial(abc, x), s / norm))
      .sort((a, b) => a - b);
    const got = singularValues(run(g));
    expectClose(got, predicted, 1e-3);
  });

  it('puts the singular values in the quintic band [0.682, 1.134] (inputs >= 1% of ||G||_F)', () => {
    // The band is that of p^5 on [0.01, 1] (computed by a dense scan of the scalar map);
    // singular values below 1% of the norm can land anywhere in (0, 1.203].
    for (const [rows, cols, seed] of [[32, 16, 1], [16, 48, 2], [24, 24, 3]]) {
      const g = randomMatrix(rows, cols, seed);
      const norm = frobenius(g);
      const input = singularValues(g);
      const sv = singularValues(run(g)); // both ascending; p^5 maps [0.01, 1] into the band
      expect(sv.length).toBe(Math.min(rows, cols));
      const inBand = input.filter((s) => s / norm >= 0.01).length;
      expect(inBand).toBeGreaterThan(0);
      for (const s of sv) expect(s).toBeLessThan(1.2024 + 1e-3);
      const band = sv.filter((s) => s >= 0.6818 - 1e-3 && s <= 1.1344 + 1e-3).length;
      expect(band).toBeGreaterThanOrEqual(inBand);
    }
  });

  it('converges to the polar factor U V^T with the cubic coefficients', () => {
    const g = randomMatrix(10, 6, 9);
    const o = run(g, { coefficients: CUBIC_COEFFICIENTS, steps: 60 });
    // Orthonormal columns: O^T O = I.
    const gram = matmul(transpose(o), o);
    gram.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (i === j ? 1 : 0))).toBeLessThan(1e-4)));
    // Polar factor: O^T G = (G^T G)^(1/2) is symmetric.
    const s = matmul(transpose(o), g);
    s.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - s[j][i])).toBeLessThan(1e-4 * (1 + Math.abs(v)))));
  });

  it('commutes with transposition', () => {
    const g = randomMatrix(5, 8, 4);
    expectClose(run(transpose(g)).flat(), transpose(run(g)).flat(), 1e-5);
  });

  it('uses a per-step coefficient table in order', () => {
    const table = [QUINTIC_COEFFICIENTS, [1.5, -0.5, 0], [2, -1.5, 0.5]] as const;
    const g = randomMatrix(5, 7, 8);
    expectClose(run(g, { coefficients: table }).flat(), referenceNewtonSchulz(g, table).flat(), 1e-4);
  });

  it('returns zeros for a zero matrix (the epsilon keeps it finite)', () => {
    const out = run([[0, 0, 0], [0, 0, 0]]);
    expect(out.flat()).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects non-matrices and bad options with BasinErrors', () => {
    const v = tf.tensor1d([1, 2, 3]);
    const k = tf.zeros([2, 2, 3]);
    const m = tf.zeros([2, 2]);
    expect(() => newtonSchulz(v)).toThrow(BasinError);
    expect(() => newtonSchulz(v)).toThrow(/rank 2.*\[3\]/);
    expect(() => newtonSchulz(k)).toThrow(/\[2, 2, 3\]/);
    expect(() => newtonSchulz(m, { steps: -1 })).toThrow(/steps/);
    expect(() => newtonSchulz(m, { steps: 2.5 })).toThrow(/steps/);
    expect(() => newtonSchulz(m, { coefficients: [1, 2] as never })).toThrow(/coefficients/);
    expect(() => newtonSchulz(m, { coefficients: [1, NaN, 2] })).toThrow(/coefficients\[1\]/);
    expect(() => newtonSchulz(m, { coefficients: [QUINTIC_COEFFICIENTS, QUINTIC_COEFFICIENTS], steps: 5 })).toThrow(/steps is 5.*2 rows/);
    expect(() => newtonSchulz(m, { eps: -1 })).toThrow(/eps/);
    tf.dispose([v, k, m]);
  });

  it('leaks no tensors', () => {
    const g = tf.randomNormal([6, 10]);
    const t = tf.randomNormal([10, 6]);
    expectNoLeak(() => {
      newtonSchulz(g).dispose();
      newtonSchulz(t).dispose();
    });
    tf.dispose([g, t]);
  });
});
