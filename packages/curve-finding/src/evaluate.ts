import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, isTensor, LossFn, runEntryPoint, Tree, treeDispose, floatLeaves } from '@basin/core';
import { checkPath, linspace01, Path, pointOf, segmentLength } from './path';
import { checkFn, describeGot, isRecord, optionsRecord } from './checks';

/** Loss (and accuracy where known) of one weight set on one data split. */
export interface PointMetrics {
  loss: number;
  accuracy?: number;
}

/** Metrics of one weight set on the training data and, optionally, the test data. */
export interface PointEvaluation {
  train: PointMetrics;
  test?: PointMetrics;
}

/**
 * Evaluates one weight tree. It must not dispose or keep `point`; `evaluatePath` disposes it.
 * Built by `functionalEvaluator` or `modelEvaluator`, or written by hand.
 */
export type PointEvaluator = (point: Tree) => PointEvaluation | Promise<PointEvaluation>;

/** The highest loss along a path above the straight line between the endpoints' losses. */
export interface Barrier {
  /** `max_k [L(t_k) - ((1 - t_k) L(0) + t_k L(1))]`; 0 when the path never rises above that line. */
  height: number;
  /** Where it is reached. */
  t: number;
}

export interface SplitCurve {
  loss: number[];
  accuracy?: number[];
  barrier: Barrier;
}

export interface PathEvaluation {
  ts: number[];
  train: SplitCurve;
  test?: SplitCurve;
  /** `sum_k ||theta(t_{k+1}) - theta(t_k)||_2` over the evaluated points. */
  arcLength: number;
}

export interface EvaluatePathOptions {
  /** Number of evenly spaced t in [0, 1], both included (default 21; the reference uses 61). */
  points?: number;
  /** Called after each point (progress bars, logs). */
  onProgress?: (info: { index: number; points: number; t: number; evaluation: PointEvaluation }) => void;
}

/**
 * Barrier height of a loss profile (Frankle et al. 2020, "Linear Mode Connectivity and the
 * Lottery Ticket Hypothesis", eq. 1, applied to any path): the largest excess of the loss over the
 * linear interpolation of the endpoints' losses. `ts` must start at 0 and end at 1.
 */
export const lossBarrier = entryPoint('lossBarrier', function lossBarrier(ts: readonly number[], losses: readonly number[]): Barrier {
  const owner = 'lossBarrier';
  if (!Array.isArray(ts)) throw new BasinError(`${owner}: ts must be an array of numbers, got ${describeGot(ts)}`);
  if (!Array.isArray(losses)) throw new BasinError(`${owner}: losses must be an array of numbers, got ${describeGot(losses)}`);
  if (ts.length !== losses.length || ts.length < 2) throw new BasinError(`${owner}: ts and losses must have the same length >= 2, got ${ts.length} and ${losses.length}`);
  ts.forEach((t, k) => checkNumber(owner, `ts[${k}]`, t, { min: 0, max: 1 }));
  losses.forEach((l, k) => {
    if (typeof l !== 'number') throw new BasinError(`${owner}: losses[${k}] must be a number, got ${describeGot(l)}`);
  });
  if (ts[0] !== 0 || ts[ts.length - 1] !== 1) throw new BasinError(`${owner}: ts must start at 0 and end at 1, got ${ts[0]} ... ${ts[ts.length - 1]}`);
  const l0 = losses[0];
  const l1 = losses[losses.length - 1];
  let best: Barrier = { height: 0, t: 0 };
  ts.forEach((t, k) => {
    const excess = losses[k] - ((1 - t) * l0 + t * l1);
    if (excess > best.height) best = { height: excess, t };
  });
  return best;
});

/** Checks what an evaluator returned: `{ train: { loss, accuracy? }, test? }`. */
export function checkEvaluation(owner: string, evaluation: unknown, at: number | string): PointEvaluation {
  const metrics = (m: unknown, split: string): void => {
    if (!isRecord(m) || typeof m.loss !== 'number' || (m.accuracy !== undefined && typeof m.accuracy !== 'number')) {
      throw new BasinError(`${owner}: the evaluator must return { train: { loss, accuracy? }, test? } with numbers; at ${typeof at === 'number' ? `t = ${at}` : at} its ${split} was ${describeGot(m)}`);
    }
  };
  if (!isRecord(evaluation)) throw new BasinError(`${owner}: the evaluator must return { train: { loss, accuracy? }, test? }; at ${typeof at === 'number' ? `t = ${at}` : at} it returned ${describeGot(evaluation)}`);
  metrics(evaluation.train, 'train');
  if (evaluation.test !== undefined) metrics(evaluation.test, 'test');
  return evaluation as unknown as PointEvaluation;
}

/**
 * Evaluates a path (a trained curve's `curve.path(params)`, or `linePath(start, end)` as the
 * baseline) at evenly spaced t: loss and accuracy on train and test data, arc length, barriers.
 */
export const evaluatePath = entryPoint('evaluatePath', async function evaluatePath(path: Path, evaluator: PointEvaluator, options: EvaluatePathOptions = {}): Promise<PathEvaluation> {
  const owner = 'evaluatePath';
  checkPath(owner, path);
  checkFn(owner, 'evaluator', evaluator, 'a PointEvaluator (point) => { train, test? } (functionalEvaluator or modelEvaluator)');
  const o = optionsRecord(owner, options, '{ points: 21 }');
  const points = checkNumber(owner, 'points', o.points ?? 21, { min: 2, integer: true });
  checkFn(owner, 'onProgress', o.onProgress, 'a function', true);
  const ts = linspace01(points);
  const evaluations: PointEvaluation[] = [];
  let arcLength = 0;
  let prev: Tree | undefined;
  try {
    for (let k = 0; k < ts.length; k++) {
      const point = pointOf(path, ts[k]);
      const last = prev;
      prev = point; // disposed in `finally` if anything below fails
      if (last !== undefined) {
        try {
          arcLength += segmentLength(last, point);
        } finally {
          treeDispose(last);
        }
      }
      const evaluation = checkEvaluation(owner, await evaluator(point), ts[k]);
      evaluations.push(evaluation);
      o.onProgress?.({ index: k, points, t: ts[k], evaluation });
      await tf.nextFrame();
    }
  } finally {
    treeDispose(prev);
  }
  const split = (name: 'train' | 'test'): SplitCurve | undefined => {
    if (evaluations.some((e) => e[name] === undefined)) return undefined;
    const loss = evaluations.map((e) => e[name]!.loss);
    const hasAccuracy = evaluations.every((e) => e[name]!.accuracy !== undefined);
    return { loss, accuracy: hasAccuracy ? evaluations.map((e) => e[name]!.accuracy!) : undefined, barrier: lossBarrier(ts, loss) };
  };
  return { ts, train: split('train')!, test: split('test'), arcLength };
});

export interface FunctionalEvaluatorOptions<B> {
  /** The loss as a function of the weights tree and a batch. */
  loss: LossFn<B>;
  /** Accuracy (a scalar in [0, 1]) as a function of the weights tree and a batch; optional. */
  accuracy?: (params: Tree, batch: B) => tf.Scalar;
  train: B;
  test?: B;
}

/** A `PointEvaluator` for a functional model: loss (and accuracy) on a train and a test batch. */
export const functionalEvaluator = entryPoint('functionalEvaluator', function functionalEvaluator<B>(options: FunctionalEvaluatorOptions<B>): PointEvaluator {
  const owner = 'functionalEvaluator';
  const { loss, accuracy, train, test } = optionsRecord(owner, options, '{ loss, train, test? }', true);
  checkFn(owner, 'loss', loss, 'a function (weights, batch) => tf.Scalar');
  checkFn(owner, 'accuracy', accuracy, 'a function (weights, batch) => tf.Scalar', true);
  if (train === undefined) throw new BasinError(`${owner}: train must be the batch to evaluate on (any value the loss takes, e.g. {} for a loss that needs none), got undefined`);
  const scalar = (value: unknown, what: string): tf.Scalar => {
    if (!isTensor(value) || value.size !== 1) throw new BasinError(`${owner}: ${what} must return a scalar tensor, got ${describeGot(value)}`);
    return value as tf.Scalar;
  };
  const on = (point: Tree, batch: B): PointMetrics => {
    const [l, a] = tf.tidy(() => [scalar(loss(point, batch), 'loss'), accuracy ? scalar(accuracy(point, batch), 'accuracy') : tf.scalar(NaN)]);
    const out = { loss: l.dataSync()[0], accuracy: accuracy ? a.dataSync()[0] : undefined };
    tf.dispose([l, a]);
    if (out.accuracy === undefined) delete out.accuracy;
    return out;
  };
  return (point) =>
    runEntryPoint(owner, () => {
      floatLeaves(owner, 'the point', point);
      return { train: on(point, train), ...(test === undefined ? {} : { test: on(point, test) }) };
    });
});
