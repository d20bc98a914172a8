import { expectClose } from '@basin/testing';
import { eigenInversePthRoot, symmetricEigen, symmetricMatrixFunction } from './linalg';
import { matmul, randomSpd } from '../test-helpers';

describe('symmetricEigen', () => {
  it('finds the eigenvalues of a diagonal matrix, ascending', () => {
    const { values } = symmetricEigen([3, 0, 0, 0, 1, 0, 0, 0, 2], 3);
    expectClose(values, [1, 2, 3], 1e-14);
  });

  it('reconstructs a random symmetric matrix as V D V^T with orthonormal V', () => {
    const n = 7;
    const a = randomSpd(n, 50, 3);
    const { values, vectors } = symmetricEigen(a, n);
    const back = symmetricMatrixFunction(a, n, (x) => x);
    expectClose(back, a, 1e-12);
    // V^T V = I
    const vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[j * n + i] = vectors[i * n + j];
    const eye = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
    expectClose(matmul(vt, vectors, n, n, n), eye, 1e-12);
    expectClose([values[0], values[n - 1]], [1, 50], 1e-10);
  });

  it('gives roots whose p-th power inverts the matrix', () => {
    const n = 5;
    const a = randomSpd(n, 100, 9);
    const r = eigenInversePthRoot(a, n, 4);
    const r4 = matmul(matmul(r, r, n, n, n), matmul(r, r, n, n, n), n, n, n);
    const eye = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
    expectClose(matmul(r4, a, n, n, n), eye, 1e-10);
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/n \* n = 4 entries, got 3/);
  });
});
