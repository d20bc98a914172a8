// The small MLP the benchmarks share: functional (a params tree and a loss), with a fixed
// random batch, so every optimizer is timed on the same work.
import * as tf from '@tensorflow/tfjs';
import type { Tree } from '@basin/core';

export interface MlpProblem {
  params: Record<string, tf.Tensor>;
  batch: { x: tf.Tensor2D; y: tf.Tensor2D };
  loss: (params: Tree, batch: { x: tf.Tensor2D; y: tf.Tensor2D }) => tf.Scalar;
}

/** A `sizes[0] - sizes[1] - ... - classes` ReLU MLP with softmax cross-entropy on random data. */
export function makeMlp(sizes: number[] = [784, 256, 10], rows = 256, seed = 1): MlpProblem {
  const params: Record<string, tf.Tensor> = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    const scale = Math.sqrt(2 / sizes[i]);
    params[`w${i}`] = tf.randomNormal([sizes[i], sizes[i + 1]], 0, scale, 'float32', seed + i);
    params[`b${i}`] = tf.zeros([sizes[i + 1]]);
  }
  const x = tf.randomNormal([rows, sizes[0]], 0, 1, 'float32', seed + 100) as tf.Tensor2D;
  const labels = tf.randomUniform([rows], 0, sizes[sizes.length - 1], 'int32', seed + 200);
  const y = tf.oneHot(labels as tf.Tensor1D, sizes[sizes.length - 1]) as tf.Tensor2D;
  labels.dispose();
  const layers = sizes.length - 1;
  const loss = (p: Tree, b: { x: tf.Tensor2D; y: tf.Tensor2D }): tf.Scalar =>
    tf.tidy(() => {
      const q = p as Record<string, tf.Tensor>;
      let h: tf.Tensor = b.x;
      for (let i = 0; i < layers; i++) {
        h = tf.add(tf.matMul(h as tf.Tensor2D, q[`w${i}`] as tf.Tensor2D), q[`b${i}`]);
        if (i + 1 < layers) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(b.y, h) as tf.Scalar;
    });
  return { params, batch: { x, y }, loss };
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Times `fn` (ms): `warmup` untimed calls, then the median of `runs`. `fn` must block until done. */
export function timeMedian(fn: () => void, runs = 20, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Reads `--backend X` from the command line (default `cpu`). */
export function backendArg(fallback = 'cpu'): string {
  const i = process.argv.indexOf('--backend');
  return i >= 0 ? process.argv[i + 1] : fallback;
}
