import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { makeGradFn, Tree, treeDispose, treeToVector, valueAndGrad, sliceBatch } from '@basin/core';
import { Curve } from './curve';
import { curveGradFn } from './curve-grad-fn';
import { curveLoss } from './curve-loss';

const net = (p: Tree, batch: { x: tf.Tensor; y: tf.Tensor }) =>
  tf.tidy(() => {
    const { w, b } = p as { w: tf.Tensor; b: tf.Tensor };
    return tf.mean(tf.square(tf.sub(tf.sigmoid(tf.add(tf.matMul(batch.x, w), b)), batch.y))) as tf.Scalar;
  });
const weights = (seed: number) => ({ w: tf.randomNormal([3, 2], 0, 1, 'float32', seed), b: tf.randomNormal([2], 0, 1, 'float32', seed + 1) });
const flat = (t: unknown) => Array.from(treeToVector(t as Tree).dataSync());

describe('curveGradFn (chain rule at the point)', () => {
  const batch = { x: tf.randomNormal([6, 3], 0, 1, 'float32', 4), y: tf.randomUniform([6, 2], 0, 1, 'float32', 5) };

  it('equals autodiff through the curve, free endpoints, weight decay and microbatches included', () => {
    const curve = new Curve(weights(1), weights(7), { bends: 2, fixStart: false, fixEnd: false });
    const params = curve.init();
    for (const microbatch of [undefined, { index: 1, count: 3 }]) {
      const t = 0.61;
      const chain = curveGradFn(curve, t, makeGradFn(net, batch), 0.3)(params, microbatch);
      const data = microbatch ? (sliceBatch(batch, microbatch) as typeof batch) : batch;
      const auto = valueAndGrad(curveLoss(curve, net, { t, weightDecay: 0.3 }))(params, data);
      expectClose(flat(chain.grads), flat(auto.grads), 1e-5);
      expectClose(chain.loss.dataSync(), auto.loss.dataSync(), 1e-6);
      treeDispose([chain, auto]);
    }
    const gradFn = curveGradFn(curve, 0.2, makeGradFn(net, batch), 0.3);
    expectNoLeak(() => treeDispose(gradFn(params)));
    treeDispose(params);
    curve.dispose();
  });
});
