import * as tf from '@tensorflow/tfjs';
import { step, treeDispose, type Transform } from '@basin/core';
import { flat, relativeError } from './compare';
import type { CaseResult, FixtureCase } from './fixture-types';
import { buildProblem } from './problems';

/**
 * Replays a trajectory case: starts from the problem's params, runs one `step` per reference
 * entry with the full data as the batch, and returns the worst relative error over all steps
 * and leaves.
 */
export function replayTrajectory(c: FixtureCase, transform: Transform<any>, tolerance: number): CaseResult {
  if (!c.problem || !c.trajectory) throw new Error(`case ${c.name} has no problem or trajectory`);
  const { params: initial, batch, loss } = buildProblem(c.problem);
  let params: Record<string, tf.Tensor> = initial;
  let state = transform.init(params);
  let worst = 0;
  try {
    for (const expected of c.trajectory) {
      const result = step(transform, loss, params, state, batch, { checkFinite: false });
      treeDispose(params);
      treeDispose(state);
      result.loss.dispose();
      params = result.params as Record<string, tf.Tensor>;
      state = result.state;
      for (const [key, ref] of Object.entries(expected)) {
        const ours = params[key];
        worst = Math.max(worst, ours ? relativeError(ours.dataSync(), flat(ref)) : Infinity);
      }
    }
  } finally {
    treeDispose([params, state, batch]);
  }
  return { error: worst, tolerance };
}
