import * as tf from '@tensorflow/tfjs-core';

/** Variables and the values they held when the snapshot was taken. */
export interface VariableSnapshot {
  variables: tf.Variable[];
  values: tf.Tensor[];
}

/**
 * Remembers the values of some variables. `tf.clone` shares the variable's data (no copy) and
 * holds a reference to it, so the old values stay alive after a pass assigns new ones.
 */
export function snapshotVariables(variables: readonly tf.Variable[]): VariableSnapshot {
  const live = variables.filter((v) => !v.isDisposed);
  return { variables: live, values: live.map((v) => tf.keep(tf.clone(v))) };
}

/**
 * The non-trainable variables registered with TF.js: BatchNormalization's moving statistics and
 * any other state a forward pass in training mode may assign.
 */
export function nonTrainableVariables(): tf.Variable[] {
  return Object.values(tf.engine().registeredVariables).filter((v) => !v.trainable);
}

/**
 * Writes the snapshot's values back into the variables that were assigned since (a variable
 * whose data is still the saved data is left alone). Leaves the snapshot alive.
 */
export function restoreVariables(snapshot: VariableSnapshot): void {
  snapshot.variables.forEach((v, i) => {
    const saved = snapshot.values[i];
    if (!v.isDisposed && v.dataId !== saved.dataId) v.assign(saved);
  });
}

export function disposeSnapshot(snapshot: VariableSnapshot): void {
  tf.dispose(snapshot.values);
}
