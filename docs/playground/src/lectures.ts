// The lecture demos of the playground, one entry each: the button that starts it, the function
// that trains and draws it into the lecture panel, and the small run the browser test
// (tools/browser/playground.ts) makes with the claim it asserts. A new demo is a new
// `*-live.ts` module plus one entry here; main.ts and the browser test read this list.
import { drawGrokking, type GrokkingOptions, type GrokkingResult } from './grokking-live';
import { drawDoubleDescent, type DoubleDescentOptions, type DoubleDescentResult } from './double-descent-live';
import { drawInterpolation, type InterpolationOptions, type InterpolationResult } from './interpolation-live';

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
  // New lecture demos go above this line, one lecture({...}) entry each.
];
