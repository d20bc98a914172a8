// mSam through core's ModelTrainer: the model's gradFn slices x and y per microbatch. Checked
// against the same model written as a functional loss and run through step().
import { tf, expectClose } from '@basin/testing';
import { ModelTrainer, sgd, step, treeDispose } from '@basin/core';
import type { LayersModelLike, StepResult, Tree } from '@basin/core';
import { mSam } from './m-sam';

describe('mSam with a tf.LayersModel', () => {
  it('matches the functional run of the same dense model, step for step', () => {
    const x = tf.randomNormal([12, 4], 0, 1, 'float32', 7);
    const y = tf.randomNormal([12, 2], 0, 1, 'float32', 8);
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 2, inputShape: [4], kernelInitializer: tf.initializers.randomNormal({ seed: 9 }), biasInitializer: 'ones', name: 'dense' }));
    const [k0, b0] = model.getWeights().map((w) => tf.clone(w));
    const make = () => mSam(sgd({ learningRate: 0.2 }), { rho: 0.1, microbatches: 3 });
    const trainer = new ModelTrainer(model as unknown as LayersModelLike, { transform: make(), loss: 'meanSquaredError' });

    const loss = (p: Tree, b: { x: tf.Tensor; y: tf.Tensor }) =>
      tf.tidy(() => {
        const q = p as { k: tf.Tensor2D; b: tf.Tensor };
        return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(b.x as tf.Tensor2D, q.k), q.b), b.y))) as tf.Scalar;
      });
    const opt = make();
    let params: Tree = { k: k0, b: b0 };
    let state = opt.init(params);
    for (let t = 0; t < 3; t++) {
      trainer.trainOnBatch(x, y);
      const r: StepResult<typeof state> = step(opt, loss, params, state, { x, y });
      treeDispose([params, state, r.loss]);
      params = r.params;
      state = r.state;
      const [k, b] = model.getWeights();
      expectClose(k.dataSync(), (params as { k: tf.Tensor }).k.dataSync(), 1e-5);
      expectClose(b.dataSync(), (params as { b: tf.Tensor }).b.dataSync(), 1e-5);
    }
    treeDispose([params, state, x, y]);
    trainer.dispose();
    model.dispose();
  });
});
