// Parity case for @basin/sa-sam: the paper's algorithm (factor 2, growth sqrt(1 + theta),
// theta_0 = Infinity, rho_t = sqrt(eta_t)), full batch every step.
import { saSam } from '@basin/sa-sam';
import type { CaseHandler } from '../fixture-types';
import { replayTrajectory } from '../trajectory';

export const cases: Record<string, CaseHandler> = {
  sasam: (c) => {
    const eta0 = c.hyper?.initial_learning_rate;
    if (eta0 === undefined) throw new Error('case sasam: hyper.initial_learning_rate is missing');
    return replayTrajectory(c, saSam({ initialLearningRate: Number(eta0) }), 1e-4);
  },
};
