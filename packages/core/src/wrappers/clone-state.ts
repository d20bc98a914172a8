import * as tf from '@tensorflow/tfjs-core';
import { isTensor } from '../tree';

/**
 * A copy of any optimizer state (trees of tensors with numbers, strings, booleans, arrays and
 * records): tensors are cloned (cheap: TF.js shares the data), everything else is copied. A
 * wrapper that keeps an inner state unchanged for a step returns this copy, because the caller
 * disposes the old state once it has the new one.
 */
export function cloneState<S>(state: S): S {
  const visit = (node: unknown): unknown => {
    if (isTensor(node)) return tf.clone(node);
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    }
    return node;
  };
  return visit(state) as S;
}
