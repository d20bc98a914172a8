// Parity cases for @basin/muon: `muon` replays optax.contrib.muon through the public alias;
// `newton_schulz5` runs the quintic iteration on each fixture matrix.
import * as tf from '@tensorflow/tfjs';
import { muon, newtonSchulz, type NewtonSchulzCoefficients } from '@basin/muon';
import type { CaseHandler, Nested } from '../fixture-types';
import { flat, relativeError } from '../compare';
import { toTensor } from '../problems';
import { replayTrajectory } from '../trajectory';

const num = (h: Record<string, unknown>, key: string): number | undefined => (h[key] === undefined ? undefined : Number(h[key]));

export const cases: Record<string, CaseHandler> = {
  muon: (c) => {
    const h = c.hyper!;
    return replayTrajectory(
      c,
      muon({
        learningRate: num(h, 'learning_rate')!,
        beta: num(h, 'beta'),
        nesterov: h.nesterov === undefined ? undefined : Boolean(h.nesterov),
        steps: num(h, 'ns_steps'),
        coefficients: h.ns_coeffs as NewtonSchulzCoefficients | undefined,
        eps: num(h, 'eps'),
        weightDecay: num(h, 'weight_decay'),
      }),
      1e-3,
    );
  },
  newton_schulz5: (c) => {
    const matrices = c.matrices as { G: Nested; expected: Nested }[];
    let worst = 0;
    for (const { G, expected } of matrices) {
      const g = toTensor(G);
      const ours = newtonSchulz(g, { steps: 5 });
      worst = Math.max(worst, relativeError(ours.dataSync(), flat(expected)));
      tf.dispose([g, ours]);
    }
    return { error: worst, tolerance: 1e-3, detail: `${matrices.length} matrices` };
  },
};
