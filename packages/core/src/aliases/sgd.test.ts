import { tf, expectClose } from '@basin/testing';
import { sgd } from './sgd';
import { applyUpdates } from '../transforms/apply-updates';

describe('sgd', () => {
  it('steps against the gradient', () => {
    const opt = sgd({ learningRate: 0.1 });
    const params = { w: tf.tensor1d([1, 2]) };
    const state = opt.init(params);
    const [u] = opt.update({ w: tf.tensor1d([1, -1]) }, state, params);
    expectClose((u as { w: tf.Tensor }).w.dataSync(), [-0.1, 0.1]);
    const p = applyUpdates(params, u) as { w: tf.Tensor };
    expectClose(p.w.dataSync(), [0.9, 2.1]);
  });
});
