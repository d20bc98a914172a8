import { tf, expectClose, expectNoLeak, finiteDifferenceGradient } from '@basin/testing';
import { valueAndGrad } from './value-and-grad';
import { Tree, treeDispose } from '../tree';
import { expectBasinError, leafValues, seeded, vals } from '../../test-helpers';

// Least squares: loss = 0.5 * mean_rows(sum_cols((X w + b - Y)^2)), X 8x3, Y 8x2.
const X = seeded(1, 24);
const Y = seeded(2, 16);
type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };
const lossFn = (p: Tree, batch: Batch): tf.Scalar => {
  const { w, b } = p as { w: tf.Tensor2D; b: tf.Tensor1D };
  const r = tf.sub(tf.add(tf.matMul(batch.x, w), b), batch.y);
  return tf.mul(0.5, tf.mean(tf.sum(tf.square(r), 1))) as tf.Scalar;
};
/** The same loss in float64 on a flat vector [w (3x2 row-major), b (2)]. */
const loss64 = (v: number[]): number => {
  let total = 0;
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 2; j++) {
      let z = v[6 + j] - Y[i * 2 + j];
      for (let k = 0; k < 3; k++) z += X[i * 3 + k] * v[k * 2 + j];
      total += z * z;
    }
  }
  return (0.5 * total) / 8;
};

describe('valueAndGrad', () => {
  it('returns the loss and the gradient of every leaf (against finite differences)', () => {
    const params = { w: tf.tensor2d(seeded(3, 6), [3, 2]), b: tf.tensor1d(seeded(4, 2)) };
    const batch = { x: tf.tensor2d(X, [8, 3]), y: tf.tensor2d(Y, [8, 2]) };
    const { loss, grads } = valueAndGrad(lossFn)(params, batch);
    const v = [...vals(params.w), ...vals(params.b)]; // loss64's order
    expectClose(vals(loss), [loss64(v)], 1e-5);
    const fd = finiteDifferenceGradient(loss64, v);
    const g = leafValues(grads);
    expect(Object.keys(g)).toEqual(['b', 'w']); // canonical order: sorted keys
    expectClose([...g.w, ...g.b], fd, 1e-4);
    treeDispose([params, batch, loss, grads]);
  });

  it('works on nested trees and tf.Variable leaves, keeping the tree structure', () => {
    const w = tf.variable(tf.tensor2d(seeded(3, 6), [3, 2]));
    const params = { layers: [{ w }], bias: { b: tf.tensor1d(seeded(4, 2)) } };
    const batch = { x: tf.tensor2d(X, [8, 3]), y: tf.tensor2d(Y, [8, 2]) };
    const nestedLoss = (p: Tree, bt: Batch) => {
      const q = p as typeof params;
      return lossFn({ w: q.layers[0].w, b: q.bias.b }, bt);
    };
    const { loss, grads } = valueAndGrad(nestedLoss)(params, batch);
    const v = [...vals(w), ...vals(params.bias.b)];
    const g = leafValues(grads);
    expect(Object.keys(g)).toEqual(['bias.b', 'layers[0].w']);
    expectClose([...g['layers[0].w'], ...g['bias.b']], finiteDifferenceGradient(loss64, v), 1e-4);
    treeDispose([params, batch, loss, grads]);
  });

  it('rejects a loss that is not a scalar tensor', () => {
    const params = { w: tf.ones([2]) };
    expectBasinError(() => valueAndGrad((p: Tree) => tf.mul((p as { w: tf.Tensor }).w, 2) as tf.Scalar)(params, null), /loss function must return a scalar tensor, got a tensor of shape \[2\]/);
    expect(() => valueAndGrad((() => 3) as unknown as () => tf.Scalar)(params, null)).toThrow(/got number/);
    params.w.dispose();
  });

  it('gives a zero gradient to a leaf the loss does not use (as JAX does)', () => {
    const params = { w: tf.tensor1d([1, -2]), unused: tf.ones([3]) };
    const { loss, grads } = valueAndGrad((p: Tree) => tf.sum(tf.square((p as typeof params).w)) as tf.Scalar)(params, null);
    expect(vals(loss)).toEqual([5]);
    expect(leafValues(grads)).toEqual({ w: [2, -4], unused: [0, 0, 0] });
    treeDispose([params, loss, grads]);
  });

  it('reports an error thrown by the loss as a BasinError with the original as cause, leaking nothing', () => {
    const params = { w: tf.ones([2]) };
    const boom = new Error('shapes do not fit');
    const error = expectBasinError(
      () =>
        valueAndGrad((p: Tree) => {
          tf.mul((p as typeof params).w, 3);
          throw boom;
        })(params, null),
      /^valueAndGrad: shapes do not fit$/,
    );
    expect((error as { cause?: unknown }).cause).toBe(boom);
    params.w.dispose();
  });

  it('creates only the loss and gradients it returns', () => {
    const params = { w: tf.tensor2d(seeded(3, 6), [3, 2]), b: tf.tensor1d(seeded(4, 2)) };
    const batch = { x: tf.tensor2d(X, [8, 3]), y: tf.tensor2d(Y, [8, 2]) };
    const vg = valueAndGrad(lossFn);
    expectNoLeak(() => {
      const { loss, grads } = vg(params, batch);
      treeDispose([loss, grads]);
    });
    treeDispose([params, batch]);
  });
});
