// Parity cases for @basin/shampoo: the seed formula trajectory and matrix inverse p-th roots.
import * as tf from '@tensorflow/tfjs';
import { inversePthRoot, shampoo } from '@basin/shampoo';
import type { CaseHandler, Nested } from '../fixture-types';
import { flat, relativeError, shapeOf } from '../compare';
import { replayTrajectory } from '../trajectory';

interface RootCase {
  matrix: Nested;
  p: number;
  expected: Nested;
  condition: number;
}

export const cases: Record<string, CaseHandler> = {
  shampoo_plain: (c) => {
    const h = c.hyper!;
    return replayTrajectory(
      c,
      shampoo({
        learningRate: Number(h.learning_rate),
        beta2: Number(h.beta2),
        epsilon: Number(h.epsilon),
        updateEvery: Number(h.update_every),
        grafting: h.grafting as 'none',
      }),
      1e-3,
    );
  },
  inverse_pth_root: (c) => {
    // Each matrix has its own bound (1e-3, or 1e-2 where the condition number is 1e4): report
    // the matrix closest to its bound, with that bound.
    let verdict = { error: 0, tolerance: 1e-3 };
    const details: string[] = [];
    for (const rc of c.cases as RootCase[]) {
      const a = tf.tensor(flat(rc.matrix), shapeOf(rc.matrix), 'float32');
      const { root, iterations } = inversePthRoot(a, rc.p);
      const error = relativeError(root.dataSync(), flat(rc.expected));
      tf.dispose([a, root]);
      const tolerance = rc.condition >= 1e4 ? 1e-2 : 1e-3;
      if (!(error / tolerance <= verdict.error / verdict.tolerance)) verdict = { error, tolerance };
      details.push(`n=${shapeOf(rc.matrix)[0]} p=${rc.p} cond=${rc.condition.toExponential(0)}: ${error.toExponential(1)}, ${iterations} it`);
    }
    return { ...verdict, detail: details.join('; ') };
  },
};
