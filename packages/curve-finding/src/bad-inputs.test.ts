// Every public entry point of @basin/curve-finding, fed bad input: each call must fail with a
// BasinError that starts with the name the user called, names the parameter or tree path and what
// was expected, leaks no tensor and leaves the caller's tensors (and models) alive and unchanged.
import { tf } from '@basin/testing';
import { sgd, type Tree } from '@basin/core';
import { bezierCoefficients, curveCoefficients, polychainCoefficients } from './coefficients';
import { Curve, CurveParams } from './curve';
import { curveLoss } from './curve-loss';
import { curveGradFn } from './curve-grad-fn';
import { CurveTrainer } from './curve-trainer';
import { ModelCurveTrainer } from './model-curve-trainer';
import { modelWeights, withSavedWeights, writeWeights } from './model-weights';
import { arcLength, linePath, linspace01 } from './path';
import { evaluatePath, functionalEvaluator, lossBarrier, PathEvaluation } from './evaluate';
import { batchNormLayers, modelEvaluator, recomputeBatchNorm } from './model-evaluator';
import { evaluatePlane, Plane, PlaneEvaluation } from './plane';
import { curveVsLineSvg, lineChartSvg, planeSvg } from './svg';
import { ensembleAverage, fgeLearningRate, FgeTrainer, isFgeSnapshotStep, ModelFgeTrainer } from './fge';
import { BadInput, expectBadInput } from '../test-helpers/bad-input';

// Any value, typed to pass where a valid argument is expected.
const bad = (x: unknown): never => x as never;

// Functional fixtures: weight trees { dense: { kernel, bias }, out: [w] }.
const tree = (seed: number): Tree => ({
  dense: { kernel: tf.randomNormal([3, 2], 0, 1, 'float32', seed), bias: tf.randomNormal([2], 0, 1, 'float32', seed + 1) },
  out: [tf.randomNormal([2, 1], 0, 1, 'float32', seed + 2)],
});
type W = { dense: { kernel: tf.Tensor; bias: tf.Tensor }; out: tf.Tensor[] };
const a = tree(1);
const b = tree(10);
const bend = tree(20);
const missingBias = { dense: { kernel: tf.zeros([3, 2]) }, out: [tf.zeros([2, 1])] };
const extraKey = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([2]) }, out: [tf.zeros([2, 1])], extra: tf.zeros([1]) };
const wrongShape = { dense: { kernel: tf.zeros([3, 3]), bias: tf.zeros([2]) }, out: [tf.zeros([2, 1])] };
const int32 = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([2], 'int32') }, out: [tf.zeros([2, 1])] };
const loss = (p: Tree, batch: { x: tf.Tensor }): tf.Scalar =>
  tf.tidy(() => {
    const { dense, out } = p as W;
    return tf.mean(tf.square(tf.matMul(tf.tanh(tf.add(tf.matMul(batch.x, dense.kernel), dense.bias)), out[0]))) as tf.Scalar;
  });
const batch = { x: tf.randomNormal([4, 3], 0, 1, 'float32', 5) };
const wideBatch = { x: tf.randomNormal([4, 5], 0, 1, 'float32', 6) };
const curve = new Curve(a, b);
const params = curve.init();
const disposedCurve = new Curve(a, b);
disposedCurve.dispose();
const trainer = new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1 }) });
const line = linePath(a, b);
const evaluator = functionalEvaluator({ loss, train: batch });
const plane = new Plane(a, bend, b);
const pointGrads = tree(30);
const midpoint = tf.tidy(() => {
  const [pa, pb] = [a as W, b as W];
  return { dense: { kernel: tf.div(tf.add(pa.dense.kernel, pb.dense.kernel), 2), bias: tf.div(tf.add(pa.dense.bias, pb.dense.bias), 2) }, out: [tf.div(tf.add(pa.out[0], pb.out[0]), 2)] };
});

// Model fixtures: 4 -> 5 -> 3 dense layers; a model with BatchNorm.
const makeModel = (seed: number, units = 5): tf.Sequential =>
  tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }) }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) })] });
const model = makeModel(1);
const other = makeModel(2, 6);
const bnModel = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.batchNormalization()] });
const x = tf.randomNormal([8, 4], 0, 1, 'float32', 7);
const xWide = tf.randomNormal([8, 5], 0, 1, 'float32', 8);
const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 1, 0], 'int32'), 3);
const yShort = tf.slice(y, 0, 3);
const wa = modelWeights(model);
const wb = modelWeights(makeModel(100));
const wOther = modelWeights(other);
const byWrongName = { kernel: wa[0], bias: wa[1] };
const mcurve = new Curve(wa, wb);
const mtrainer = new ModelCurveTrainer(model, { curve: mcurve, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
const otherCurve = new Curve(wOther, wOther);
const namesCurve = new Curve(byWrongName, byWrongName);
const mevaluator = modelEvaluator(model, { loss: 'categoricalCrossentropy', train: { x, y } });
const fge = new ModelFgeTrainer(model, { loss: 'categoricalCrossentropy', transform: (lr) => sgd({ learningRate: lr }), high: 0.1, low: 0.01, cycleSteps: 2 });
const p3 = tf.ones([3]);
const p4 = tf.ones([4]);
const pathEvaluation: PathEvaluation = { ts: [0, 1], train: { loss: [1, 2], barrier: { height: 0, t: 0 } }, arcLength: 1 };
const planeEvaluation: PlaneEvaluation = { xs: [0, 1], ys: [0, 1], values: [[{ train: { loss: 1 } }, { train: { loss: 2 } }], [{ train: { loss: 3 } }, { train: { loss: 4 } }]], anchors: [[0, 0], [0.5, 1], [1, 0]] };
const sgdFactory = sgd;
const throwingEvaluator = (() => {
  let calls = 0;
  return () => {
    if (++calls === 2) throw new RangeError('evaluator failed');
    return { train: { loss: 1 } };
  };
})();

const inputs = (): unknown[] => [
  a, b, bend, missingBias, extraKey, wrongShape, int32, batch, wideBatch, params, trainer.params, pointGrads, midpoint,
  x, xWide, y, yShort, wa, wb, wOther, mtrainer.params, p3, p4,
  [model, other, bnModel].map((m) => [...m.trainableWeights, ...m.nonTrainableWeights].map((w) => w.read())),
];

const cases: BadInput[] = [
  // coefficients
  { what: 'bezierCoefficients: t above 1', owner: 'bezierCoefficients', says: /t must be a number >= 0 and <= 1, got 1.5/, call: () => bezierCoefficients(1.5, 3) },
  { what: 'bezierCoefficients: NaN t', owner: 'bezierCoefficients', says: /t must be a finite number, got NaN/, call: () => bezierCoefficients(NaN, 3) },
  { what: 'polychainCoefficients: one point', owner: 'polychainCoefficients', says: /numPoints must be an integer >= 2, got 1/, call: () => polychainCoefficients(0.5, 1) },
  { what: 'curveCoefficients: unknown kind', owner: 'curveCoefficients', says: /kind must be 'bezier' or 'polychain', got 'spline'/, call: () => curveCoefficients(bad('spline'), 0.5, 3) },
  // Curve
  { what: 'Curve: undefined start', owner: 'Curve', says: /start must be a tree of float32 tensors, got undefined/, call: () => new Curve(bad(undefined), b) },
  { what: 'Curve: undefined end', owner: 'Curve', says: /end must be a tree of float32 tensors, got undefined/, call: () => new Curve(a, bad(undefined)) },
  { what: 'Curve: end missing a key', owner: 'Curve', says: /endpoint trees do not match: end does not match start at 'dense': missing \{bias\}/, call: () => new Curve(a, bad(missingBias)) },
  { what: 'Curve: end with an extra key', owner: 'Curve', says: /end does not match start at <root>: unexpected \{extra\}/, call: () => new Curve(a, extraKey) },
  { what: 'Curve: end of the wrong shape', owner: 'Curve', says: /at 'dense.kernel': expected shape \[3, 2\], got \[3, 3\]/, call: () => new Curve(a, wrongShape) },
  { what: 'Curve: int32 end', owner: 'Curve', says: /end at 'dense.bias' has dtype int32; expected float32/, call: () => new Curve(a, int32) },
  { what: 'Curve: fractional bends', owner: 'Curve', says: /bends must be an integer >= 0, got 1.5/, call: () => new Curve(a, b, { bends: 1.5 }) },
  { what: 'Curve: NaN bends', owner: 'Curve', says: /bends must be a finite number, got NaN/, call: () => new Curve(a, b, { bends: NaN }) },
  { what: 'Curve: unknown kind', owner: 'Curve', says: /kind must be 'bezier' or 'polychain', got 'spline'/, call: () => new Curve(a, b, { kind: bad('spline') }) },
  { what: 'Curve: fixStart as a string', owner: 'Curve', says: /fixStart must be true or false, got 'yes'/, call: () => new Curve(a, b, { fixStart: bad('yes') }) },
  { what: 'Curve: nothing to train', owner: 'Curve', says: /0 bends and both endpoints fixed/, call: () => new Curve(a, b, { bends: 0 }) },
  { what: 'Curve: options as a number', owner: 'Curve', says: /options must be a record/, call: () => new Curve(a, b, bad(3)) },
  { what: 'Curve.pointAt: t above 1', owner: 'Curve.pointAt', says: /t must be a number >= 0 and <= 1, got 1.5/, call: () => curve.pointAt(params, 1.5) },
  { what: 'Curve.pointAt through path(): t above 1', owner: 'Curve.pointAt', says: /t must be a number >= 0 and <= 1, got 2/, call: () => curve.path(params).pointAt(2) },
  { what: 'Curve.pointAt: undefined t', owner: 'Curve.pointAt', says: /t must be a finite number, got undefined/, call: () => curve.pointAt(params, bad(undefined)) },
  { what: 'Curve.pointAt: only t given', owner: 'Curve.pointAt', says: /pointAt takes \(params, t\), got only t = 0.5/, call: () => (curve.pointAt.bind(curve) as unknown as (t: number) => Tree)(0.5) },
  { what: 'Curve.pointAt: undefined params', owner: 'Curve.pointAt', says: /params must be a record \{ bends: \[...\] \}.*got undefined/, call: () => curve.pointAt(bad(undefined), 0.5) },
  { what: 'Curve.pointAt: too few bends', owner: 'Curve.pointAt', says: /params.bends must have 1 entries \(one per bend\), got 0/, call: () => curve.pointAt({ bends: [] }, 0.5) },
  { what: 'Curve.pointAt: bend of the wrong shape', owner: 'Curve.pointAt', says: /params.bends\[0\] does not match the endpoints at 'dense.kernel': expected shape \[3, 2\], got \[3, 3\]/, call: () => curve.pointAt({ bends: [wrongShape] }, 0.5) },
  { what: 'Curve.pointAt: bend missing a key', owner: 'Curve.pointAt', says: /params.bends\[0\] does not match the endpoints at 'dense': missing \{bias\}/, call: () => curve.pointAt({ bends: [bad(missingBias)] }, 0.5) },
  { what: 'Curve.pointAt: int32 bend', owner: 'Curve.pointAt', says: /params.bends\[0\] at 'dense.bias' has dtype int32/, call: () => curve.pointAt({ bends: [int32] }, 0.5) },
  { what: 'Curve.pointAt: a fixed endpoint in the params', owner: 'Curve.pointAt', says: /unexpected \{start\}/, call: () => curve.pointAt({ bends: params.bends, start: a }, 0.5) },
  { what: 'Curve.pointAt: disposed curve', owner: 'Curve.pointAt', says: /the curve was disposed/, call: () => disposedCurve.pointAt(params, 0.5) },
  { what: 'Curve.coefficients: negative t', owner: 'Curve.coefficients', says: /t must be a number >= 0 and <= 1, got -1/, call: () => curve.coefficients(-1) },
  { what: 'Curve.controlPointGrads: undefined gradients', owner: 'Curve.controlPointGrads', says: /pointGrads must be a tree of float32 tensors, got undefined/, call: () => curve.controlPointGrads(bad(undefined), 0.5) },
  { what: 'Curve.controlPointGrads: gradients of the wrong shape', owner: 'Curve.controlPointGrads', says: /pointGrads does not match the endpoints at 'dense.kernel'/, call: () => curve.controlPointGrads(wrongShape, 0.5) },
  { what: 'Curve.checkParams: bends not an array', owner: 'Curve.checkParams', says: /curve params must be a record \{ bends: \[...\] \}/, call: () => curve.checkParams({ bends: 1 }) },
  // curveLoss, curveGradFn
  { what: 'curveLoss: undefined curve', owner: 'curveLoss', says: /curve must be a Curve/, call: () => curveLoss(bad(undefined), loss, { t: 0.5 }) },
  { what: 'curveLoss: undefined loss', owner: 'curveLoss', says: /loss must be a function/, call: () => curveLoss(curve, bad(undefined), { t: 0.5 }) },
  { what: 'curveLoss: undefined options', owner: 'curveLoss', says: /options must be a record such as \{ t: 0.5 \}, got undefined/, call: () => curveLoss(curve, loss, bad(undefined)) },
  { what: 'curveLoss: t above 1', owner: 'curveLoss', says: /t must be a number >= 0 and <= 1, got 2/, call: () => curveLoss(curve, loss, { t: 2 }) },
  { what: 'curveLoss: negative weightDecay', owner: 'curveLoss', says: /weightDecay must be a number >= 0, got -1/, call: () => curveLoss(curve, loss, { t: 0.5, weightDecay: -1 }) },
  { what: 'curveLoss(...): params with too few bends', owner: 'curveLoss', says: /params.bends must have 1 entries/, call: () => curveLoss(curve, loss, { t: 0.5 })({ bends: [] }, batch) },
  { what: 'curveGradFn: undefined pointGradFn', owner: 'curveGradFn', says: /pointGradFn must be a GradFn/, call: () => curveGradFn(curve, 0.5, bad(undefined)) },
  { what: 'curveGradFn: NaN t', owner: 'curveGradFn', says: /t must be a finite number, got NaN/, call: () => curveGradFn(curve, NaN, () => bad(undefined)) },
  { what: 'curveGradFn(...): pointGradFn returns nothing', owner: 'curveGradFn', says: /pointGradFn must return \{ loss, grads \}/, call: () => curveGradFn(curve, 0.5, () => bad(undefined))(params) },
  { what: 'curveGradFn(...): pointGradFn returns gradients of the wrong shape', owner: 'curveGradFn', says: /the grads pointGradFn returned does not match the point at 'dense.kernel'/, call: () => curveGradFn(curve, 0.5, () => ({ loss: tf.scalar(1), grads: tf.tidy(() => ({ dense: { kernel: tf.zeros([3, 3]), bias: tf.zeros([2]) }, out: [tf.zeros([2, 1])] })) }))(params) },
  // CurveTrainer
  { what: 'CurveTrainer: undefined options', owner: 'CurveTrainer', says: /options must be a record such as \{ curve, loss, transform \}, got undefined/, call: () => new CurveTrainer(bad(undefined)) },
  { what: 'CurveTrainer: undefined curve', owner: 'CurveTrainer', says: /curve must be a Curve/, call: () => new CurveTrainer({ curve: bad(undefined), loss, transform: sgd({ learningRate: 0.1 }) }) },
  { what: 'CurveTrainer: undefined loss', owner: 'CurveTrainer', says: /loss must be a function/, call: () => new CurveTrainer({ curve, loss: bad(undefined), transform: sgd({ learningRate: 0.1 }) }) },
  { what: 'CurveTrainer: a transform factory not called', owner: 'CurveTrainer', says: /transform must be a Basin transform.*the function sgd/, call: () => new CurveTrainer({ curve, loss, transform: bad(sgdFactory) }) },
  { what: 'CurveTrainer: NaN weightDecay', owner: 'CurveTrainer', says: /weightDecay must be a finite number, got NaN/, call: () => new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1 }), weightDecay: NaN }) },
  { what: 'CurveTrainer: params with too few bends', owner: 'CurveTrainer', says: /params.bends must have 1 entries/, call: () => new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1 }), params: { bends: [] } }) },
  { what: 'CurveTrainer.stepAt: t above 1', owner: 'CurveTrainer.stepAt', says: /t must be a number >= 0 and <= 1, got 1.5/, call: () => trainer.stepAt(batch, 1.5) },
  { what: 'CurveTrainer.step: undefined batch', owner: 'CurveTrainer.step', says: /batch is undefined/, call: () => trainer.step(bad(undefined)) },
  { what: 'CurveTrainer.step: the loss fails on the batch', owner: 'CurveTrainer.step', says: /matMul|inner shapes|Error in matMul/i, wraps: true, call: () => trainer.step(wideBatch) },
  // ModelCurveTrainer
  { what: 'ModelCurveTrainer: undefined model', owner: 'ModelCurveTrainer', says: /model must be a tf.LayersModel/, call: () => new ModelCurveTrainer(bad(undefined), { curve: mcurve, transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' }) },
  { what: 'ModelCurveTrainer: undefined options', owner: 'ModelCurveTrainer', says: /options must be a record/, call: () => new ModelCurveTrainer(model, bad(undefined)) },
  { what: 'ModelCurveTrainer: endpoints that do not fit the model', owner: 'ModelCurveTrainer', says: /weight 0 '.*kernel' \(tree path '\[0\]'\): expected shape \[4, 5\], got \[4, 6\]/, call: () => new ModelCurveTrainer(model, { curve: otherCurve, transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' }) },
  { what: 'ModelCurveTrainer: endpoint records keyed by other names', owner: 'ModelCurveTrainer', says: /keys are matched to the model's weight names: missing \{.*\}, unexpected \{bias, kernel\}/, call: () => new ModelCurveTrainer(model, { curve: namesCurve, transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' }) },
  { what: 'ModelCurveTrainer: unknown loss', owner: 'ModelCurveTrainer', says: /loss must be a function or one of/, call: () => new ModelCurveTrainer(model, { curve: mcurve, transform: sgd({ learningRate: 0.1 }), loss: bad('nope') }) },
  { what: 'ModelCurveTrainer.trainOnBatch: rows differ', owner: 'ModelCurveTrainer.trainOnBatch', says: /x has 8 rows but y has 3/, call: () => mtrainer.trainOnBatch(x, yShort) },
  { what: 'ModelCurveTrainer.trainOnBatch: undefined x', owner: 'ModelCurveTrainer.trainOnBatch', says: /x must be a tensor, got undefined/, call: () => mtrainer.trainOnBatch(bad(undefined), y) },
  { what: 'ModelCurveTrainer.trainOnBatch: x of the wrong width', owner: 'ModelCurveTrainer.trainOnBatch', says: /x has shape \[8, 5\]; the model takes inputs of shape \[any, 4\]/, call: () => mtrainer.trainOnBatch(xWide, y) },
  { what: 'ModelCurveTrainer.trainOnBatchAt: negative t', owner: 'ModelCurveTrainer.trainOnBatchAt', says: /t must be a number >= 0 and <= 1, got -0.1/, call: () => mtrainer.trainOnBatchAt(x, y, -0.1) },
  { what: 'ModelCurveTrainer.lossAndGrads: NaN t', owner: 'ModelCurveTrainer.lossAndGrads', says: /t must be a finite number, got NaN/, call: () => mtrainer.lossAndGrads(x, y, NaN) },
  { what: 'ModelCurveTrainer.fit: rows differ', owner: 'ModelCurveTrainer.fit', says: /x has 8 rows but y has 3/, call: () => mtrainer.fit(x, yShort) },
  { what: 'ModelCurveTrainer.fit: 0 epochs', owner: 'ModelCurveTrainer.fit', says: /epochs must be an integer >= 1, got 0/, call: () => mtrainer.fit(x, y, { epochs: 0 }) },
  // model weights
  { what: 'modelWeights: undefined model', owner: 'modelWeights', says: /model must be a tf.LayersModel/, call: () => modelWeights(bad(undefined)) },
  { what: 'writeWeights: too few tensors', owner: 'writeWeights', says: /tree has 3 tensors but the model has 4 trainable weights/, call: () => writeWeights(model.trainableWeights, wa.slice(1)) },
  { what: 'writeWeights: undefined weights', owner: 'writeWeights', says: /weights must be an array of model weights/, call: () => writeWeights(bad(undefined), wa) },
  { what: 'writeWeights: a record with other names', owner: 'writeWeights', says: /keys are matched to the model's weight names/, call: () => writeWeights(model.trainableWeights, byWrongName) },
  { what: 'withSavedWeights: undefined fn', owner: 'withSavedWeights', says: /fn must be a function/, call: () => withSavedWeights(model, bad(undefined)) },
  // paths
  { what: 'linePath: undefined end', owner: 'linePath', says: /end must be a tree of float32 tensors, got undefined/, call: () => linePath(a, bad(undefined)) },
  { what: 'linePath: end missing a key', owner: 'linePath', says: /endpoint trees do not match: end does not match start at 'dense': missing \{bias\}/, call: () => linePath(a, bad(missingBias)) },
  { what: 'linePath.pointAt: NaN t', owner: 'linePath.pointAt', says: /t must be a finite number, got NaN/, call: () => line.pointAt(NaN) },
  { what: 'arcLength: undefined path', owner: 'arcLength', says: /path must have a pointAt\(t\) function/, call: () => arcLength(bad(undefined), [0, 1]) },
  { what: 'arcLength: t above 1', owner: 'arcLength', says: /ts\[1\] must be a number >= 0 and <= 1, got 2/, call: () => arcLength(line, [0, 2]) },
  { what: 'linspace01: 1 point', owner: 'linspace01', says: /points must be an integer >= 2, got 1/, call: () => linspace01(1) },
  // evaluation
  { what: 'lossBarrier: lengths differ', owner: 'lossBarrier', says: /same length >= 2, got 2 and 1/, call: () => lossBarrier([0, 1], [1]) },
  { what: 'lossBarrier: ts not from 0 to 1', owner: 'lossBarrier', says: /ts must start at 0 and end at 1/, call: () => lossBarrier([0.1, 1], [1, 2]) },
  { what: 'lossBarrier: undefined ts', owner: 'lossBarrier', says: /ts must be an array of numbers, got undefined/, call: () => lossBarrier(bad(undefined), []) },
  { what: 'evaluatePath: undefined path', owner: 'evaluatePath', says: /path must have a pointAt\(t\) function/, call: () => evaluatePath(bad(undefined), evaluator) },
  { what: 'evaluatePath: undefined evaluator', owner: 'evaluatePath', says: /evaluator must be a PointEvaluator/, call: () => evaluatePath(line, bad(undefined)) },
  { what: 'evaluatePath: 1 point', owner: 'evaluatePath', says: /points must be an integer >= 2, got 1/, call: () => evaluatePath(line, evaluator, { points: 1 }) },
  { what: 'evaluatePath: the evaluator returns a number', owner: 'evaluatePath', says: /the evaluator must return \{ train: \{ loss, accuracy\? \}, test\? \}; at t = 0 it returned number 5/, call: () => evaluatePath(line, bad(() => 5), { points: 3 }) },
  { what: 'evaluatePath: the evaluator throws part way', owner: 'evaluatePath', says: /evaluator failed/, wraps: true, call: () => evaluatePath(line, bad(throwingEvaluator), { points: 3 }) },
  { what: 'functionalEvaluator: undefined options', owner: 'functionalEvaluator', says: /options must be a record/, call: () => functionalEvaluator(bad(undefined)) },
  { what: 'functionalEvaluator: undefined loss', owner: 'functionalEvaluator', says: /loss must be a function/, call: () => functionalEvaluator({ loss: bad(undefined), train: batch }) },
  { what: 'functionalEvaluator: undefined train', owner: 'functionalEvaluator', says: /train must be the batch to evaluate on/, call: () => functionalEvaluator({ loss, train: bad(undefined) }) },
  { what: 'functionalEvaluator(...): int32 point', owner: 'functionalEvaluator', says: /the point at 'dense.bias' has dtype int32/, call: () => evaluator(int32) },
  { what: 'functionalEvaluator(...): loss returns a number', owner: 'functionalEvaluator', says: /loss must return a scalar tensor, got number 5/, call: () => functionalEvaluator({ loss: bad(() => 5), train: batch })(a) },
  { what: 'modelEvaluator: undefined options', owner: 'modelEvaluator', says: /options must be a record/, call: () => modelEvaluator(model, bad(undefined)) },
  { what: 'modelEvaluator: no train data', owner: 'modelEvaluator', says: /train data is required/, call: () => modelEvaluator(model, { loss: 'meanSquaredError', train: bad(undefined) }) },
  { what: 'modelEvaluator: train rows differ', owner: 'modelEvaluator', says: /train.x has 8 rows but train.y has 3/, call: () => modelEvaluator(model, { loss: 'meanSquaredError', train: { x, y: yShort } }) },
  { what: 'modelEvaluator: test x of the wrong width', owner: 'modelEvaluator', says: /test.x has shape \[8, 5\]; the model takes inputs of shape \[any, 4\]/, call: () => modelEvaluator(model, { loss: 'meanSquaredError', train: { x, y }, test: { x: xWide, y } }) },
  { what: 'modelEvaluator: accuracy as a string', owner: 'modelEvaluator', says: /accuracy must be true or false, got 'yes'/, call: () => modelEvaluator(model, { loss: 'meanSquaredError', train: { x, y }, accuracy: bad('yes') }) },
  { what: 'modelEvaluator(...): a point with too few tensors', owner: 'modelEvaluator', says: /the point has 3 tensors but the model has 4 trainable weights/, call: () => mevaluator(wa.slice(1)) },
  { what: 'modelEvaluator(...): a record with other names', owner: 'modelEvaluator', says: /the point is a record, so its keys are matched to the model's weight names/, call: () => mevaluator(byWrongName) },
  { what: 'recomputeBatchNorm: x of the wrong width', owner: 'recomputeBatchNorm', says: /x has shape \[8, 5\]; the model takes inputs of shape \[any, 4\]/, call: () => recomputeBatchNorm(bnModel, xWide) },
  { what: 'recomputeBatchNorm: batchSize 0', owner: 'recomputeBatchNorm', says: /batchSize must be an integer >= 1, got 0/, call: () => recomputeBatchNorm(bnModel, x, 0) },
  { what: 'batchNormLayers: undefined model', owner: 'batchNormLayers', says: /model must be a tf.LayersModel, got undefined/, call: () => batchNormLayers(bad(undefined)) },
  // plane
  { what: 'Plane: undefined bend', owner: 'Plane', says: /w1 must be a tree of float32 tensors, got undefined/, call: () => new Plane(a, bad(undefined), b) },
  { what: 'Plane: bend missing a key', owner: 'Plane', says: /w1 does not match w0 at 'dense': missing \{bias\}/, call: () => new Plane(a, bad(missingBias), b) },
  { what: 'Plane: endpoints coincide', owner: 'Plane', says: /the two endpoints coincide/, call: () => new Plane(a, b, a) },
  { what: 'Plane: bend on the line', owner: 'Plane', says: /the bend lies on the line through the endpoints/, call: () => new Plane(a, midpoint, b) },
  { what: 'Plane.pointAt: NaN x', owner: 'Plane.pointAt', says: /x must be a finite number, got NaN/, call: () => plane.pointAt(NaN, 0) },
  { what: 'Plane.project: point missing a key', owner: 'Plane.project', says: /point does not match the plane at 'dense': missing \{bias\}/, call: () => plane.project(bad(missingBias)) },
  { what: 'Plane.trace: undefined path', owner: 'Plane.trace', says: /path must have a pointAt\(t\) function/, call: () => plane.trace(bad(undefined)) },
  { what: 'Plane.trace: 1 point', owner: 'Plane.trace', says: /points must be an integer >= 2, got 1/, call: () => plane.trace(line, 1) },
  { what: 'evaluatePlane: undefined plane', owner: 'evaluatePlane', says: /plane must be a Plane/, call: () => evaluatePlane(bad(undefined), evaluator) },
  { what: 'evaluatePlane: grid 1', owner: 'evaluatePlane', says: /grid must be an integer >= 2, got 1/, call: () => evaluatePlane(plane, evaluator, { grid: 1 }) },
  { what: 'evaluatePlane: negative margin', owner: 'evaluatePlane', says: /margin must be a number >= 0, got -1/, call: () => evaluatePlane(plane, evaluator, { margin: -1 }) },
  // plots
  { what: 'lineChartSvg: no series', owner: 'lineChartSvg', says: /no series to plot/, call: () => lineChartSvg([]) },
  { what: 'lineChartSvg: xs and ys lengths differ', owner: 'lineChartSvg', says: /series 'a' needs xs and ys of the same non-zero length/, call: () => lineChartSvg([{ label: 'a', xs: [0, 1], ys: [1] }]) },
  { what: 'lineChartSvg: xs not an array', owner: 'lineChartSvg', says: /series\[0\].xs must be an array of numbers, got 'x'/, call: () => lineChartSvg([{ label: 'a', xs: bad('x'), ys: [1] }]) },
  { what: 'lineChartSvg: negative width', owner: 'lineChartSvg', says: /width must be a number > 0, got -5/, call: () => lineChartSvg([{ label: 'a', xs: [0, 1], ys: [1, 2] }], { width: -5 }) },
  { what: 'curveVsLineSvg: undefined curve', owner: 'curveVsLineSvg', says: /curve must be an evaluatePath\(...\) result, got undefined/, call: () => curveVsLineSvg(bad(undefined), pathEvaluation) },
  { what: 'curveVsLineSvg: unknown metric', owner: 'curveVsLineSvg', says: /metric must be 'loss' or 'accuracy', got 'acc'/, call: () => curveVsLineSvg(pathEvaluation, pathEvaluation, { metric: bad('acc') }) },
  { what: 'planeSvg: one x', owner: 'planeSvg', says: /plane.xs needs at least 2 values, got 1/, call: () => planeSvg({ ...planeEvaluation, xs: [0] }) },
  { what: 'planeSvg: no test split', owner: 'planeSvg', says: /the evaluation has no 'test' split/, call: () => planeSvg(planeEvaluation, { split: 'test' }) },
  { what: 'planeSvg: NaN vmax', owner: 'planeSvg', says: /vmax must be a finite number, got NaN/, call: () => planeSvg(planeEvaluation, { vmax: NaN }) },
  // fast geometric ensembling
  { what: 'fgeLearningRate: undefined options', owner: 'fgeLearningRate', says: /options must be a record such as \{ high: 0.05, low: 0.0005, cycleSteps: 4 \}, got undefined/, call: () => fgeLearningRate(bad(undefined)) },
  { what: 'fgeLearningRate: NaN high', owner: 'fgeLearningRate', says: /high must be a finite number, got NaN/, call: () => fgeLearningRate({ high: NaN, low: 0.1, cycleSteps: 2 }) },
  { what: 'fgeLearningRate: odd cycle', owner: 'fgeLearningRate', says: /cycleSteps must be even/, call: () => fgeLearningRate({ high: 0.1, low: 0.01, cycleSteps: 3 }) },
  { what: 'fgeLearningRate(...): negative step', owner: 'fgeLearningRate', says: /step must be a number >= 0, got -1/, call: () => fgeLearningRate({ high: 0.1, low: 0.01, cycleSteps: 2 })(-1) },
  { what: 'isFgeSnapshotStep: fractional step', owner: 'isFgeSnapshotStep', says: /step must be an integer >= 0, got 1.5/, call: () => isFgeSnapshotStep(1.5, 4) },
  { what: 'ensembleAverage: no predictions', owner: 'ensembleAverage', says: /no predictions/, call: () => ensembleAverage([]) },
  { what: 'ensembleAverage: shapes differ', owner: 'ensembleAverage', says: /predictions\[1\] has shape \[4\]; predictions\[0\] has \[3\]/, call: () => ensembleAverage([p3, p4]) },
  { what: 'ensembleAverage: undefined', owner: 'ensembleAverage', says: /predictions must be an array of tensors, got undefined/, call: () => ensembleAverage(bad(undefined)) },
  { what: 'FgeTrainer: undefined options', owner: 'FgeTrainer', says: /options must be a record/, call: () => new FgeTrainer(bad(undefined)) },
  { what: 'FgeTrainer: a transform instead of a factory', owner: 'FgeTrainer', says: /transform must be a function \(learningRate\) => transform/, call: () => new FgeTrainer({ loss, params: a, transform: bad(sgd({ learningRate: 0.1 })), high: 0.1, low: 0.01, cycleSteps: 2 }) },
  { what: 'FgeTrainer: a factory that returns no transform', owner: 'FgeTrainer', says: /transform\(learningRate\) must be a Basin transform/, call: () => new FgeTrainer({ loss, params: a, transform: bad(() => 5), high: 0.1, low: 0.01, cycleSteps: 2 }) },
  { what: 'FgeTrainer: undefined params', owner: 'FgeTrainer', says: /params must be a tree of tensors, got undefined/, call: () => new FgeTrainer({ loss, params: bad(undefined), transform: (lr) => sgd({ learningRate: lr }), high: 0.1, low: 0.01, cycleSteps: 2 }) },
  { what: 'ModelFgeTrainer: undefined model', owner: 'ModelFgeTrainer', says: /model must be a tf.LayersModel/, call: () => new ModelFgeTrainer(bad(undefined), { loss: 'meanSquaredError', transform: (lr) => sgd({ learningRate: lr }), high: 0.1, low: 0.01, cycleSteps: 2 }) },
  { what: 'ModelFgeTrainer.trainOnBatch: rows differ', owner: 'ModelFgeTrainer.trainOnBatch', says: /x has 8 rows but y has 3/, call: () => fge.trainOnBatch(x, yShort) },
  { what: 'ModelFgeTrainer.predict: x of the wrong width', owner: 'ModelFgeTrainer.predict', says: /x has shape \[8, 5\]; the model takes inputs of shape \[any, 4\]/, call: () => fge.predict(xWide) },
];

describe('bad input to @basin/curve-finding', () => {
  beforeAll(() => {
    // Warm up what allocates once (models' first forward passes, kernels' first use).
    tf.tidy(() => {
      model.predict(x);
      bnModel.predict(x);
    });
    mevaluator(wa);
  });
  afterAll(() => {
    tf.dispose([a, b, bend, missingBias, extraKey, wrongShape, int32, batch, wideBatch, params, pointGrads, midpoint, x, xWide, y, yShort, wa, wb, wOther, p3, p4] as never);
    [trainer, mtrainer, fge, curve, mcurve, otherCurve, namesCurve, line, plane].forEach((o) => o.dispose());
    [model, other, bnModel].forEach((m) => m.dispose());
  });

  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_, c) => {
    await expectBadInput(c, inputs());
  });

  it(`tries ${cases.length} bad inputs across every public entry point`, () => {
    expect(new Set(cases.map((c) => c.what)).size).toBe(cases.length);
    const owners = new Set(cases.map((c) => c.owner.split('.')[0]));
    for (const name of ['bezierCoefficients', 'polychainCoefficients', 'curveCoefficients', 'Curve', 'curveLoss', 'curveGradFn', 'CurveTrainer', 'ModelCurveTrainer', 'modelWeights', 'writeWeights', 'withSavedWeights', 'linePath', 'arcLength', 'linspace01', 'lossBarrier', 'evaluatePath', 'functionalEvaluator', 'modelEvaluator', 'recomputeBatchNorm', 'batchNormLayers', 'Plane', 'evaluatePlane', 'lineChartSvg', 'curveVsLineSvg', 'planeSvg', 'fgeLearningRate', 'isFgeSnapshotStep', 'ensembleAverage', 'FgeTrainer', 'ModelFgeTrainer']) {
      expect(owners).toContain(name);
    }
  });

  it('a failed step leaves the trainers as they were', () => {
    const before = [trainer.steps, mtrainer.steps, fge.snapshots.length];
    expect(() => trainer.step(wideBatch)).toThrow();
    expect(() => mtrainer.trainOnBatch(xWide, y)).toThrow();
    expect([trainer.steps, mtrainer.steps, fge.snapshots.length]).toEqual(before);
    // They still train.
    expect(Number.isFinite(trainer.step(batch))).toBe(true);
    expect(Number.isFinite(mtrainer.trainOnBatch(x, y))).toBe(true);
    expect(Object.keys(params)).toEqual(['bends']);
    expect((params as CurveParams).bends).toHaveLength(1);
  });
});
