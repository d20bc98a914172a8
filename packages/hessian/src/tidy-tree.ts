import * as tf from '@tensorflow/tfjs-core';
import type { Tree } from '@basin/core';

/** `tf.tidy` for a function returning a params tree (TF.js's types do not know readonly trees). */
export function tidyTree(fn: () => Tree): Tree {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as Tree;
}
