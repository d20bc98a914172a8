// The conv nets this example trains, in TF.js Layers, with seeded initialisers so that the SGD
// and the SAM run start from the same weights (each build gives the same numbers).
import * as tf from '@tensorflow/tfjs';

export type NetName = 'large' | 'small';

/**
 * `large`: the conv net of the TF.js examples' mnist-node (conv 3x3x32, conv 3x3x32, max pool,
 * conv 3x3x64, conv 3x3x64, max pool, dropout 0.25, dense 512, dropout 0.5, dense 10), 594,922
 * weights, the largest that trains here in minutes. `small` (quick mode): conv 3x3x8, max pool,
 * conv 3x3x16, max pool, dense 32, dense 10. Both end in logits (the loss applies the softmax).
 */
export function buildNet(name: NetName, seed: number): tf.Sequential {
  let layer = 0;
  const init = () => ({ kernelInitializer: tf.initializers.heNormal({ seed: seed + 101 * ++layer }), biasInitializer: 'zeros' as const });
  const model = tf.sequential();
  const conv = (filters: number, first = false) =>
    model.add(tf.layers.conv2d({ ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, activation: 'relu', ...init() }));
  const pool = () => model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  if (name === 'large') {
    conv(32, true);
    conv(32);
    pool();
    conv(64);
    conv(64);
    pool();
    model.add(tf.layers.flatten());
    model.add(tf.layers.dropout({ rate: 0.25, seed }));
    model.add(tf.layers.dense({ units: 512, activation: 'relu', ...init() }));
    model.add(tf.layers.dropout({ rate: 0.5, seed: seed + 1 }));
  } else {
    conv(8, true);
    pool();
    conv(16);
    pool();
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 32, activation: 'relu', ...init() }));
  }
  model.add(tf.layers.dense({ units: 10, ...init() }));
  return model;
}
