import { tridiagonalEigen } from './tridiagonal';
import { expectClose } from '@basin/testing';

describe('tridiagonalEigen', () => {
  it('matches the closed form of the second-difference matrix', () => {
    // tridiag(-1, 2, -1) of size m has eigenvalues 2 - 2 cos(k pi / (m + 1)).
    const m = 12;
    const { values, vectors } = tridiagonalEigen(new Array(m).fill(2), new Array(m - 1).fill(-1));
    const expected = Array.from({ length: m }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (m + 1))).sort((a, b) => a - b);
    expectClose(Array.from(values), expected, 1e-12);
    // Eigenvector k is sin(j k pi / (m + 1)) up to sign and scale.
    const v = vectors[0];
    const ref = Array.from({ length: m }, (_, j) => Math.sin(((j + 1) * Math.PI) / (m + 1)));
    const norm = Math.hypot(...ref);
    const sign = Math.sign(v[0]);
    expectClose(Array.from(v, (x) => x * sign), ref.map((x) => x / norm), 1e-10);
  });

  it('gives orthonormal eigenvectors with T v = lambda v on a random matrix', () => {
    const m = 9;
    const d = Array.from({ length: m }, (_, i) => Math.sin(i * 1.7) * 3);
    const e = Array.from({ length: m - 1 }, (_, i) => Math.cos(i * 0.9) + 0.1);
    const { values, vectors } = tridiagonalEigen(d, e);
    for (let k = 0; k < m; k++) {
      const v = vectors[k];
      const tv = v.map((_, i) => d[i] * v[i] + (i > 0 ? e[i - 1] * v[i - 1] : 0) + (i < m - 1 ? e[i] * v[i + 1] : 0));
      expectClose(Array.from(tv), Array.from(v, (x) => x * values[k]), 1e-10);
      for (let l = 0; l < m; l++) {
        const dot = v.reduce((s, x, i) => s + x * vectors[l][i], 0);
        expect(Math.abs(dot - (k === l ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
    for (let k = 1; k < m; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
  });

  it('handles 1x1 and already-diagonal input, and rejects bad lengths', () => {
    expect(Array.from(tridiagonalEigen([3], []).values)).toEqual([3]);
    expect(Array.from(tridiagonalEigen([3, -1, 2], [0, 0]).values)).toEqual([-1, 2, 3]);
    expect(() => tridiagonalEigen([1, 2], [])).toThrow(/off-diagonal has length 0; expected 1/);
  });
});
