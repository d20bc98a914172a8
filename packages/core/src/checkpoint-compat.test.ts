// Checkpoints written before record keys were sorted (leaves used to be paired in insertion
// order) restore to the same values per key and continue the same trajectory: checkpoints store
// records by key, so the change of canonical order does not reach them. The fixture was written
// by the code of commit 94fa2a0 (see its `note`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tf, expectClose } from '@basin/testing';
import { adam } from './aliases/adam';
import { chain } from './combinators/chain';
import { clipByGlobalNorm } from './transforms/clip';
import { Trainer } from './training/trainer';
import type { TrainingCheckpoint } from './checkpoint';
import type { Tree } from './tree';

const fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/checkpoint-before-sorted-keys.json'), 'utf8')) as {
  checkpoint: TrainingCheckpoint;
  paramsAfterTwoMoreSteps: Record<string, number[]>;
};

const X = tf.tensor2d(Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.3)), [8, 3]);
const Y = tf.tensor2d(Array.from({ length: 16 }, (_, i) => Math.cos(i * 0.7)), [8, 2]);
const loss = (p: Tree, b: { x: tf.Tensor; y: tf.Tensor }) =>
  tf.tidy(() => {
    const q = p as { w: tf.Tensor2D; b: tf.Tensor1D; s: tf.Scalar };
    const z = tf.add(tf.mul(tf.matMul(b.x as tf.Tensor2D, q.w), q.s), q.b);
    return tf.mean(tf.square(tf.sub(z, b.y))) as tf.Scalar;
  });

describe('checkpoints written before leaves were paired by sorted key', () => {
  it('restore into params built in another key order and continue the trajectory the old code took', () => {
    expect(Object.keys(fixture.checkpoint.params as object)).toEqual(['w', 'b', 's']);
    // Another key order, other values: everything must come from the checkpoint, by key.
    const params = { s: tf.scalar(0), b: tf.zeros([2]), w: tf.zeros([3, 2]) };
    const trainer = new Trainer({ transform: chain(clipByGlobalNorm(1), adam({ learningRate: 0.05 })), loss, params });
    trainer.restore(fixture.checkpoint);
    expect(trainer.steps).toBe(3);
    for (let i = 0; i < 2; i++) trainer.step({ x: X, y: Y });
    const p = trainer.params as Record<string, tf.Tensor>;
    // clipByGlobalNorm sums the leaves in another order now: float32 rounding only.
    for (const key of ['w', 'b', 's']) expectClose(p[key].dataSync(), fixture.paramsAfterTwoMoreSteps[key], 1e-6);
    trainer.dispose();
    tf.dispose(params);
  });
});
