// The lecture demos of the playground, one entry each: the button that starts it, the function
// that trains and draws it into the lecture panel, and the small run the browser test
// (tools/browser/playground.ts) makes with the claim it asserts. A new demo is a new
// `*-live.ts` module plus one entry here; main.ts and the browser test read this list.
import { drawGrokking, type GrokkingOptions, type GrokkingResult } from './grokking-live';
import { drawDoubleDescent, type DoubleDescentOptions, type DoubleDescentResult } from './double-descent-live';
import { drawInterpolation, type InterpolationOptions, type InterpolationResult } from './interpolation-live';
import { drawSamQuadratic, type SamQuadraticOptions, type SamQuadraticResult } from './sam-quadratic-live';
import { drawSharpnessMeasures, type SharpnessMeasuresOptions, type SharpnessMeasuresResult } from './sharpness-measures-live';
import { drawSamSwitching, type SamSwitchingOptions, type SamSwitchingResult } from './sam-switching-live';
import { drawSamImplicitBias, type SamImplicitBiasOptions, type SamImplicitBiasResult } from './sam-implicit-bias-live';
import { drawLrSweep, type LrSweepOptions, type LrSweepResult } from './lr-sweep-live';
import { drawSamVsSgd, type SamVsSgdOptions, type SamVsSgdResult } from './sam-vs-sgd-live';

/** What every demo reports besides its own numbers. */
export interface LectureRun {
  seconds: number;
  /** tf.memory().numTensors after the run minus before it (0: nothing leaked). */
  leakedTensors: number;
}

export interface LectureVerdict {
  ok: boolean;
  detail: string;
}

export interface Lecture {
  id: string;
  /** The button's text. */
  label: string;
  run(el: HTMLElement, options?: object): Promise<LectureRun>;
  /** Options for the browser test's run: small enough for CI, large enough to show the claim. */
  quick: object;
  /** The claim the browser test asserts on the quick run (leaks are checked separately). */
  verify(result: LectureRun): LectureVerdict;
}

/** Declares one demo with its own option and result types, checked here and erased in the list. */
function lecture<O extends object, R extends LectureRun>(spec: {
  id: string;
  label: string;
  run(el: HTMLElement, options?: O): Promise<R>;
  quick: O;
  verify(result: R): LectureVerdict;
}): Lecture {
  return spec as unknown as Lecture;
}

export const LECTURES: Lecture[] = [
  lecture<GrokkingOptions, GrokkingResult>({
    id: 'grokking',
    label: 'Grokking',
    run: drawGrokking,
    quick: { p: 23, steps: 150 },
    verify: (r) => ({ ok: r.trainAt !== undefined, detail: `train 100% at step ${r.trainAt}` }),
  }),
  lecture<DoubleDescentOptions, DoubleDescentResult>({
    id: 'double-descent',
    label: 'Double descent',
    run: drawDoubleDescent,
    quick: { seeds: 2 },
    verify: (r) => ({
      ok: r.peakAt !== r.features[0] && r.peakAt !== r.features[r.features.length - 1],
      detail: `peak at p = ${r.peakAt} of [${r.features[0]}..${r.features[r.features.length - 1]}]`,
    }),
  }),
  lecture<InterpolationOptions, InterpolationResult>({
    id: 'interpolation',
    label: 'Small vs large batch',
    run: drawInterpolation,
    quick: { epochs: 10 },
    verify: (r) => ({ ok: Number.isFinite(r.finalLoss.sb) && Number.isFinite(r.finalLoss.lb), detail: `final losses ${JSON.stringify(r.finalLoss)}` }),
  }),
  lecture<SamQuadraticOptions, SamQuadraticResult>({
    id: 'sam-quadratic',
    label: 'SAM bouncing on a quadratic',
    run: drawSamQuadratic,
    quick: { steps: 150 },
    verify: (r) => ({
      ok: r.bounces && r.finalCos > 0.99 && Math.abs(r.amplitude - r.predicted) < 0.03 * r.predicted && r.gdDistance < 1e-3,
      detail: `|cos(w_T, v1)| ${r.finalCos.toFixed(4)}, bounces ${r.bounces}, |w_T| ${r.amplitude.toFixed(4)} vs predicted ${r.predicted.toFixed(4)}, GD |w_T| ${r.gdDistance.toExponential(1)}`,
    }),
  }),
  lecture<SharpnessMeasuresOptions, SharpnessMeasuresResult>({
    id: 'sharpness-measures',
    label: 'Three sharpness measures',
    run: drawSharpnessMeasures,
    quick: { samples: 100, rhos: [0.003, 0.03, 0.3, 1] },
    verify: (r) => ({
      ok: r.ordered && r.worstError < 0.01 && r.ascentError < 0.01 && r.averageZ < 4,
      detail: `average < ascent <= worst: ${r.ordered}; worst, ascent within ${(100 * r.worstError).toFixed(3)}%, ${(100 * r.ascentError).toFixed(3)}% of exact; average within ${r.averageZ.toFixed(2)} s.e.`,
    }),
  }),
  lecture<SamSwitchingOptions, SamSwitchingResult>({
    id: 'sam-switching',
    label: 'ERM → SAM, label noise',
    run: drawSamSwitching,
    quick: { epochs: 20 },
    verify: (r) => {
      const last = (xs: number[]) => xs[xs.length - 1];
      const finite = [r.erm, r.sam, r.switched].every((c) => c.test.length === r.epochs.length && [...c.test, ...c.noisyFit].every(Number.isFinite));
      return {
        ok: finite && r.epochs.length > 0 && last(r.sam.test) > last(r.erm.test) && last(r.sam.noisyFit) < last(r.erm.noisyFit),
        detail: `test accuracy ERM ${last(r.erm.test)}, SAM ${last(r.sam.test)}, ERM->SAM ${last(r.switched.test)}; wrong labels fitted ERM ${last(r.erm.noisyFit)}, SAM ${last(r.sam.noisyFit)}`,
      };
    },
  }),
  lecture<SamImplicitBiasOptions, SamImplicitBiasResult>({
    id: 'sam-implicit-bias',
    label: 'SAM: lambda_max vs trace',
    run: drawSamImplicitBias,
    quick: { steps: 100, every: 50 },
    verify: (r) => {
      const end = (m: 'GD' | 'SAM' | '1-SAM') => ({ lambdaMax: r.curves[m].lambdaMax[r.steps.length - 1], trace: r.curves[m].trace[r.steps.length - 1] });
      const [gd, samEnd, oneSam] = [end('GD'), end('SAM'), end('1-SAM')];
      const finite = Object.values(r.curves).every((c) => [...c.loss, ...c.lambdaMax, ...c.trace].every(Number.isFinite));
      return {
        ok: finite && r.steps.length >= 2 && samEnd.lambdaMax < gd.lambdaMax && oneSam.trace < gd.trace,
        detail: `lambda_max GD ${gd.lambdaMax.toFixed(2)}, SAM ${samEnd.lambdaMax.toFixed(2)}, 1-SAM ${oneSam.lambdaMax.toFixed(2)}; trace GD ${gd.trace.toFixed(1)}, SAM ${samEnd.trace.toFixed(1)}, 1-SAM ${oneSam.trace.toFixed(1)}`,
      };
    },
  }),
  lecture<LrSweepOptions, LrSweepResult>({
    id: 'lr-sweep',
    label: 'Learning-rate sweep: SGD, SAM, SA-SAM',
    run: drawLrSweep,
    quick: { learningRates: [0.01, 0.1, 1], epochs: 4, batch: 32 },
    verify: (r) => ({
      ok: r.runs.length === r.optimizers.length * r.learningRates.length && r.runs.every((x) => Number.isFinite(x.testAccuracy) && (x.diverged || Number.isFinite(x.trainLoss))),
      detail: r.runs.map((x) => `${x.optimizer} ${x.learningRate}: ${(100 * x.testAccuracy).toFixed(1)}%${x.diverged ? ' (diverged)' : ''}`).join(', '),
    }),
  }),
  lecture<SamVsSgdOptions, SamVsSgdResult>({
    id: 'sam-vs-sgd',
    label: 'SAM vs SGD sharpness',
    run: drawSamVsSgd,
    quick: { epochs: 20, every: 5 },
    verify: (r) => {
      const curves = [r.sgd, r.sam];
      const shaped = r.epochs.length >= 2 && curves.every((c) => c.loss.length === r.epochs.length && c.lambdaMax.length === r.epochs.length);
      const finite = curves.every((c) => [...c.loss, ...c.lambdaMax].every(Number.isFinite)) && Number.isFinite(r.ratio);
      return { ok: shaped && finite, detail: `lambda_max SGD ${r.sgd.lambdaMax[r.epochs.length - 1]?.toFixed(3)}, SAM ${r.sam.lambdaMax[r.epochs.length - 1]?.toFixed(3)}, ratio ${r.ratio.toFixed(2)} at epoch ${r.epochs[r.epochs.length - 1]}` };
    },
  }),
  // New lecture demos go above this line, one lecture({...}) entry each.
];
