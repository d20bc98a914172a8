// Every public entry point of @basin/hessian, fed bad input: each call must fail with a BasinError
// that starts with the name the user called, names the parameter or tree path and what was
// expected, leaks no tensor and leaves the caller's tensors alive and unchanged.
import { tf } from '@basin/testing';
import type { Tree } from '@basin/core';
import { finiteDifferenceHvp, hessian, hvp, type LinearOperator } from './hessian';
import { functionObjective, modelObjective } from './objective';
import { topEigenvalues } from './spectrum/eigen';
import { hutchinsonTrace, hutchPlusPlusTrace } from './spectrum/trace';
import { spectralDensity } from './spectrum/density';
import { lanczos } from './spectrum/lanczos';
import { tridiagonalEigen } from './linalg/tridiagonal';
import { epsilonSharpness } from './sharpness/epsilon-sharpness';
import { directionalSharpness } from './sharpness/directional-sharpness';
import { filterNormalizedDirection } from './landscape/directions';
import { linearPath, lossSlice1D, lossSlice2D } from './landscape/slices';
import { densitySvg, heatmapSvg, lineChartSvg } from './plot/svg';
import { withSecondOrderGradients } from './second-order/registry';
import { quadratic } from '../test-helpers/quadratic';
import { BadInput, expectBadInput } from '../test-helpers/bad-input';

// Any value, typed to pass where a valid argument is expected.
const bad = (x: unknown): never => x as never;

// Fixtures: a quadratic on params { u: [4], m: [2, 2] } (8 entries) and a small model.
const q = quadratic([3, 1.5, 0.5, -0.25, -2, 0.1, 0.7, 2.2], { seed: 3 });
const H = hessian(q.objective);
const vector = { u: tf.ones([4]), m: tf.ones([2, 2]) };
const reversed = { m: tf.ones([2, 2]), u: tf.ones([4]) };
const wrongShape = { u: tf.ones([5]), m: tf.ones([2, 2]) };
const int32 = { u: tf.ones([4], 'int32'), m: tf.ones([2, 2], 'int32') };
const extraKey = { u: tf.ones([4]), m: tf.ones([2, 2]), bias: tf.ones([1]) };
const loss = (p: Tree): tf.Scalar => tf.tidy(() => tf.add(tf.sum(tf.square((p as { u: tf.Tensor }).u)), tf.sum((p as { m: tf.Tensor }).m)) as tf.Scalar);
const gone = quadratic([1, 2, 3, 4, 5, 6], { n1: 2 });
gone.dispose(); // an objective whose params the caller disposed
const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) })] });
const x = tf.randomNormal([6, 4], 0, 1, 'float32', 2);
const y = tf.randomNormal([6, 3], 0, 1, 'float32', 3);
const mo = modelObjective(model, { x, y, loss: 'meanSquaredError' });
const names = model.trainableWeights.map((w) => w.name);
const diag = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
const seven = tf.zeros([7]) as tf.Tensor1D;
const eightInt = tf.zeros([8], 'int32') as tf.Tensor1D;
const three = tf.ones([3]) as tf.Tensor1D;
const eight = tf.ones([8]) as tf.Tensor1D;
const yShort = tf.slice(y, 0, 3);
const modelInt = Object.fromEntries(model.trainableWeights.map((w) => [w.name, tf.cast(w.read(), 'int32')]));
/** An operator whose matvec throws on the third call (a user's bug part way through). */
const flaky = (): LinearOperator => {
  let calls = 0;
  return {
    size: 8,
    matvec: (v) => {
      calls += 1;
      if (calls === 3) throw new TypeError('flaky operator');
      return tf.mul(v, diag) as tf.Tensor1D;
    },
  };
};
const fixtures = [q.params, vector, reversed, wrongShape, int32, extraKey, model.trainableWeights.map((w) => w.read()), x, y, modelInt, diag, seven, eightInt, three, eight, yShort];

const cases: BadInput[] = [
  // functionObjective and its methods
  { what: 'functionObjective: undefined lossFn', owner: 'functionObjective', says: /lossFn must be a function/, call: () => functionObjective(bad(undefined), q.params, { batch: {} }) },
  { what: 'functionObjective: undefined params', owner: 'functionObjective', says: /params must be a tree of float32 tensors, got undefined/, call: () => functionObjective(loss, bad(undefined), { batch: {} }) },
  { what: 'functionObjective: a number as params', owner: 'functionObjective', says: /params at <root> is number 3/, call: () => functionObjective(loss, bad(3), { batch: {} }) },
  { what: 'functionObjective: int32 params', owner: 'functionObjective', says: /params at 'm' has dtype int32; expected float32/, call: () => functionObjective(loss, int32, { batch: {} }) },
  { what: 'functionObjective: empty params', owner: 'functionObjective', says: /params has no tensors/, call: () => functionObjective(loss, {}, { batch: {} }) },
  { what: 'functionObjective: undefined data', owner: 'functionObjective', says: /data must be a record \{ batch \} or \{ batches \}, got undefined/, call: () => functionObjective(loss, q.params, bad(undefined)) },
  { what: 'functionObjective: data without batch', owner: 'functionObjective', says: /exactly one of 'batch' or 'batches'/, call: () => functionObjective(loss, q.params, {}) },
  { what: 'functionObjective: empty batches', owner: 'functionObjective', says: /data.batches is empty/, call: () => functionObjective(loss, q.params, { batches: [] }) },
  { what: 'functionObjective: batches not an array', owner: 'functionObjective', says: /data.batches must be an array/, call: () => functionObjective(loss, q.params, { batches: bad(5) }) },
  { what: 'functionObjective: bad weighting', owner: 'functionObjective', says: /data.weighting must be 'rows' or 'equal', got 'all'/, call: () => functionObjective(loss, q.params, { batch: {}, weighting: bad('all') }) },
  { what: 'functionObjective: rows weighting of batches without rows', owner: 'functionObjective', says: /data.batches\[0\] has no row count.*weighting: 'equal'/, call: () => functionObjective(loss, q.params, { batches: [{}, {}] }) },
  { what: 'objective.loss: params missing a key', owner: 'functionObjective.loss', says: /params does not match objective params at <root>: missing \{m\}/, call: () => q.objective.loss(bad({ u: vector.u })) },
  { what: 'objective.loss: params with an extra key', owner: 'functionObjective.loss', says: /unexpected \{bias\}/, call: () => q.objective.loss(extraKey) },
  { what: 'objective.valueAndGrad: wrong shape', owner: 'functionObjective.valueAndGrad', says: /at 'u': expected shape \[4\], got \[5\]/, call: () => q.objective.valueAndGrad(wrongShape) },
  { what: 'objective.exactHvp: int32 vector', owner: 'functionObjective.exactHvp', says: /vector at 'm' has dtype int32/, call: () => q.objective.exactHvp(int32) },
  { what: 'objective.exactHvp: undefined vector', owner: 'functionObjective.exactHvp', says: /vector must be a tree of float32 tensors, got undefined/, call: () => q.objective.exactHvp(bad(undefined)) },
  { what: 'objective.loss: loss returns a vector', owner: 'functionObjective.loss', says: /the loss must be a scalar tensor, got a tensor of shape \[4\]/, call: () => functionObjective(() => bad(tf.ones([4])), q.params, { batch: {} }).loss() },
  { what: 'objective.loss: loss returns a number', owner: 'functionObjective.loss', says: /the loss must be a scalar tensor, got number 1/, call: () => functionObjective(() => bad(1), q.params, { batch: {} }).loss() },
  { what: 'objective.valueAndGrad: the user loss throws', owner: 'functionObjective.valueAndGrad', says: /boom/, wraps: true, call: () => functionObjective(() => { throw new TypeError('boom'); }, q.params, { batch: {} }).valueAndGrad() },
  { what: 'objective.exactHvp: params disposed by the caller', owner: 'functionObjective.exactHvp', says: /the objective's params at 'm' were disposed/, call: () => gone.objective.exactHvp(vector) },
  // modelObjective and its methods
  { what: 'modelObjective: undefined model', owner: 'modelObjective', says: /model must be a tf.LayersModel/, call: () => modelObjective(bad(undefined), { x, y, loss: 'meanSquaredError' }) },
  { what: 'modelObjective: undefined options', owner: 'modelObjective', says: /options.x must be a tensor of inputs, got undefined/, call: () => modelObjective(model, bad(undefined)) },
  { what: 'modelObjective: options not a record', owner: 'modelObjective', says: /options must be a record/, call: () => modelObjective(model, bad('mse')) },
  { what: 'modelObjective: x and y rows differ', owner: 'modelObjective', says: /x has 6 rows but y has 3/, call: () => modelObjective(model, { x, y: yShort, loss: 'meanSquaredError' }) },
  { what: 'modelObjective: unknown loss name', owner: 'modelObjective', says: /loss must be a function or one of/, call: () => modelObjective(model, { x, y, loss: bad('nope') }) },
  { what: 'modelObjective: batchSize 0', owner: 'modelObjective', says: /batchSize must be an integer >= 1, got 0/, call: () => modelObjective(model, { x, y, loss: 'meanSquaredError', batchSize: 0 }) },
  { what: 'modelObjective.loss: params with a wrong key', owner: 'modelObjective.loss', says: /params does not match model params at <root>: missing .*unexpected \{kernel\}/, call: () => mo.loss(bad({ kernel: x })) },
  { what: 'modelObjective.exactHvp: int32 vector', owner: 'modelObjective.exactHvp', says: /vector at '.*' has dtype int32/, call: () => mo.exactHvp(modelInt) },
  // hessian, hvp, finiteDifferenceHvp
  { what: 'hessian: undefined objective', owner: 'hessian', says: /objective must be an Objective from functionObjective/, call: () => hessian(bad(undefined)) },
  { what: 'hessian: an operator instead of an objective', owner: 'hessian', says: /objective must be an Objective/, call: () => hessian(bad(H)) },
  { what: 'hessian: options not a record', owner: 'hessian', says: /options must be a record/, call: () => hessian(q.objective, bad(5)) },
  { what: 'hessian: unknown mode', owner: 'hessian', says: /mode must be 'exact' or 'finiteDifference', got 'forward'/, call: () => hessian(q.objective, { mode: bad('forward') }) },
  { what: 'hessian: NaN step', owner: 'hessian', says: /step must be a finite number, got NaN/, call: () => hessian(q.objective, { step: NaN }) },
  { what: 'hessian: order as a string', owner: 'hessian', says: /order must be 2 or 4, got '4'/, call: () => hessian(q.objective, { order: bad('4') }) },
  { what: 'hessian.hvp: undefined vector', owner: 'hessian.hvp', says: /vector must be a tree of float32 tensors, got undefined/, call: () => H.hvp(bad(undefined)) },
  { what: 'hessian.hvp: vector missing a key', owner: 'hessian.hvp', says: /vector does not match params at <root>: missing \{m\}/, call: () => H.hvp(bad({ u: vector.u })) },
  { what: 'hessian.hvp: vector with an extra key', owner: 'hessian.hvp', says: /vector does not match params at <root>: unexpected \{bias\}/, call: () => H.hvp(extraKey) },
  { what: 'hessian.hvp: vector of the wrong shape', owner: 'hessian.hvp', says: /at 'u': expected shape \[4\], got \[5\]/, call: () => H.hvp(wrongShape) },
  { what: 'hessian.hvp: int32 vector', owner: 'hessian.hvp', says: /vector at 'm' has dtype int32/, call: () => H.hvp(int32) },
  { what: 'hessian.hvp (finite differences): vector of the wrong shape', owner: 'hessian.hvp', says: /at 'u': expected shape \[4\]/, call: () => hessian(q.objective, { mode: 'finiteDifference' }).hvp(wrongShape) },
  { what: 'hessian.matvec: wrong length', owner: 'hessian.matvec', says: /v has shape \[7\]; expected \[8\]/, call: () => H.matvec(seven) },
  { what: 'hessian.matvec: int32 vector', owner: 'hessian.matvec', says: /v has dtype int32; expected float32/, call: () => H.matvec(eightInt) },
  { what: 'hessian.matvec: a tree instead of a vector', owner: 'hessian.matvec', says: /v must be a float32 vector of length 8, got a record/, call: () => H.matvec(bad(vector)) },
  { what: 'hvp: undefined lossFn', owner: 'hvp', says: /lossFn must be a function/, call: () => hvp(bad(undefined), q.params, vector, {}) },
  { what: 'hvp: undefined params', owner: 'hvp', says: /params must be a tree of float32 tensors, got undefined/, call: () => hvp(loss, bad(undefined), vector, {}) },
  { what: 'hvp: vector missing a key', owner: 'hvp', says: /vector does not match params at <root>: missing \{u\}/, call: () => hvp(loss, q.params, bad({ m: vector.m }), {}) },
  { what: 'hvp: undefined batch', owner: 'hvp', says: /batch is undefined/, call: () => hvp(loss, q.params, vector, undefined) },
  { what: 'finiteDifferenceHvp: order 3', owner: 'finiteDifferenceHvp', says: /order must be 2 or 4, got number 3/, call: () => finiteDifferenceHvp(q.objective, vector, { order: bad(3) }) },
  { what: 'finiteDifferenceHvp: undefined vector', owner: 'finiteDifferenceHvp', says: /vector must be a tree of float32 tensors, got undefined/, call: () => finiteDifferenceHvp(q.objective, bad(undefined)) },
  // eigenvalues, trace, density, Lanczos
  { what: 'topEigenvalues: undefined operator', owner: 'topEigenvalues', says: /op must be a linear operator with size > 0 and a matvec function \(e.g. hessian\(objective\)\), got undefined/, call: () => topEigenvalues(bad(undefined)) },
  { what: 'topEigenvalues: an objective instead of an operator', owner: 'topEigenvalues', says: /op must be a linear operator/, call: () => topEigenvalues(bad(q.objective)) },
  { what: 'topEigenvalues: size 0', owner: 'topEigenvalues', says: /operator must have size > 0/, call: () => topEigenvalues({ size: 0, matvec: (v) => v }) },
  { what: 'topEigenvalues: k 0', owner: 'topEigenvalues', says: /k must be an integer >= 1 and <= 8, got 0/, call: () => topEigenvalues(H, { k: 0 }) },
  { what: 'topEigenvalues: k above the size', owner: 'topEigenvalues', says: /k must be an integer >= 1 and <= 8, got 9/, call: () => topEigenvalues(H, { k: 9 }) },
  { what: 'topEigenvalues: NaN tol', owner: 'topEigenvalues', says: /tol must be a finite number, got NaN/, call: () => topEigenvalues(H, { tol: NaN }) },
  { what: 'topEigenvalues: Infinity maxIterations', owner: 'topEigenvalues', says: /maxIterations must be a finite number, got Infinity/, call: () => topEigenvalues(H, { maxIterations: Infinity }) },
  { what: 'topEigenvalues: unknown which', owner: 'topEigenvalues', says: /which must be 'largest', 'smallest' or 'magnitude', got 'top'/, call: () => topEigenvalues(H, { which: bad('top') }) },
  { what: 'topEigenvalues: unknown method', owner: 'topEigenvalues', says: /method must be 'lanczos' or 'power', got 'arnoldi'/, call: () => topEigenvalues(H, { method: bad('arnoldi') }) },
  { what: 'topEigenvalues: vectors as a string', owner: 'topEigenvalues', says: /vectors must be true or false, got 'yes'/, call: () => topEigenvalues(H, { vectors: bad('yes') }) },
  { what: 'topEigenvalues: onProgress not a function', owner: 'topEigenvalues', says: /onProgress must be a function or undefined, got number 5/, call: () => topEigenvalues(H, { onProgress: bad(5) }) },
  { what: 'topEigenvalues: matvec returns the wrong length', owner: 'topEigenvalues', says: /op.matvec must return a new float32 vector of length 4, got a tensor of shape \[3\]/, call: () => topEigenvalues({ size: 4, matvec: () => tf.zeros([3]) as tf.Tensor1D }) },
  { what: 'topEigenvalues (power): matvec throws part way', owner: 'topEigenvalues', says: /flaky operator/, wraps: true, call: () => topEigenvalues(flaky(), { method: 'power', k: 2 }) },
  { what: 'topEigenvalues (lanczos): matvec throws part way', owner: 'topEigenvalues', says: /flaky operator/, wraps: true, call: () => topEigenvalues(flaky(), { k: 2 }) },
  { what: 'hutchinsonTrace: samples 0', owner: 'hutchinsonTrace', says: /samples must be an integer >= 1, got 0/, call: () => hutchinsonTrace(H, { samples: 0 }) },
  { what: 'hutchinsonTrace: seed 1.5', owner: 'hutchinsonTrace', says: /seed must be an integer, got 1.5/, call: () => hutchinsonTrace(H, { seed: 1.5 }) },
  { what: 'hutchinsonTrace: matvec throws part way', owner: 'hutchinsonTrace', says: /flaky operator/, wraps: true, call: () => hutchinsonTrace(flaky(), { samples: 5 }) },
  { what: 'hutchPlusPlusTrace: Infinity matvecs', owner: 'hutchPlusPlusTrace', says: /matvecs must be a finite number, got Infinity/, call: () => hutchPlusPlusTrace(H, { matvecs: Infinity }) },
  { what: 'hutchPlusPlusTrace: undefined operator', owner: 'hutchPlusPlusTrace', says: /op must be a linear operator/, call: () => hutchPlusPlusTrace(bad(undefined)) },
  { what: 'hutchPlusPlusTrace: matvec throws part way', owner: 'hutchPlusPlusTrace', says: /flaky operator/, wraps: true, call: () => hutchPlusPlusTrace(flaky(), { matvecs: 9 }) },
  { what: 'spectralDensity: negative sigma', owner: 'spectralDensity', says: /sigma must be a number > 0, got -1/, call: () => spectralDensity(H, { sigma: -1 }) },
  { what: 'spectralDensity: null operator', owner: 'spectralDensity', says: /op must be a linear operator.*got null/, call: () => spectralDensity(bad(null)) },
  { what: 'spectralDensity: options not a record', owner: 'spectralDensity', says: /options must be a record/, call: () => spectralDensity(H, bad([30])) },
  { what: 'spectralDensity: matvec throws part way', owner: 'spectralDensity', says: /flaky operator/, wraps: true, call: () => spectralDensity(flaky(), { steps: 4, runs: 2 }) },
  { what: 'lanczos: start of the wrong length', owner: 'lanczos', says: /start must be a float32 unit vector of length 8, got a float32 tensor of shape \[3\]/, call: () => lanczos(H, three, 5) },
  { what: 'lanczos: maxSteps 0', owner: 'lanczos', says: /maxSteps must be an integer >= 1, got 0/, call: () => lanczos(H, eight, 0) },
  { what: 'tridiagonalEigen: NaN on the diagonal', owner: 'tridiagonalEigen', says: /diag\[1\] must be a finite number, got number NaN/, call: () => tridiagonalEigen([1, NaN], [0]) },
  { what: 'tridiagonalEigen: undefined diagonal', owner: 'tridiagonalEigen', says: /diag must be an array of numbers, got undefined/, call: () => tridiagonalEigen(bad(undefined), []) },
  { what: 'tridiagonalEigen: off-diagonal too short', owner: 'tridiagonalEigen', says: /off-diagonal has length 0; expected 1/, call: () => tridiagonalEigen([1, 2], []) },
  // sharpness
  { what: 'epsilonSharpness: undefined objective', owner: 'epsilonSharpness', says: /objective must be an Objective/, call: () => epsilonSharpness(bad(undefined)) },
  { what: 'epsilonSharpness: NaN epsilon', owner: 'epsilonSharpness', says: /epsilon must be a finite number, got NaN/, call: () => epsilonSharpness(q.objective, { epsilon: NaN }) },
  { what: 'epsilonSharpness: unknown start', owner: 'epsilonSharpness', says: /start must be 'random' or 'center', got 'corner'/, call: () => epsilonSharpness(q.objective, { start: bad('corner') }) },
  { what: 'epsilonSharpness: stepSize above 2', owner: 'epsilonSharpness', says: /stepSize must be a number > 0 and <= 2, got 3/, call: () => epsilonSharpness(q.objective, { stepSize: 3 }) },
  { what: 'epsilonSharpness: params disposed by the caller', owner: 'epsilonSharpness', says: /objective.params at 'm' is a disposed tensor/, call: () => epsilonSharpness(gone.objective) },
  { what: 'directionalSharpness: Infinity rho', owner: 'directionalSharpness', says: /rho must be a finite number, got Infinity/, call: () => directionalSharpness(q.objective, { rho: Infinity }) },
  { what: 'directionalSharpness: fractional samples', owner: 'directionalSharpness', says: /samples must be an integer >= 1, got 2.5/, call: () => directionalSharpness(q.objective, { samples: 2.5 }) },
  { what: 'directionalSharpness: options as a number', owner: 'directionalSharpness', says: /options must be a record/, call: () => directionalSharpness(q.objective, bad(0.05)) },
  { what: 'directionalSharpness: the loss throws part way', owner: 'directionalSharpness', says: /late failure/, wraps: true, call: () => {
    let calls = 0;
    const objective = functionObjective((p: Tree) => {
      if (++calls === 4) throw new RangeError('late failure');
      return loss(p);
    }, q.params, { batch: {} });
    return directionalSharpness(objective, { iterations: 3, samples: 2 });
  } },
  // landscape
  { what: 'filterNormalizedDirection: undefined params', owner: 'filterNormalizedDirection', says: /params must be a tree of float32 tensors, got undefined/, call: () => filterNormalizedDirection(bad(undefined)) },
  { what: 'filterNormalizedDirection: int32 params', owner: 'filterNormalizedDirection', says: /params at 'm' has dtype int32/, call: () => filterNormalizedDirection(int32) },
  { what: 'filterNormalizedDirection: unknown filterAxis', owner: 'filterNormalizedDirection', says: /filterAxis must be 'last' or 'first', got 'middle'/, call: () => filterNormalizedDirection(q.params, { filterAxis: bad('middle') }) },
  { what: 'lossSlice1D: direction missing a key', owner: 'lossSlice1D', says: /direction does not match params at <root>: missing \{u\}/, call: () => lossSlice1D(q.objective, bad({ m: vector.m })) },
  { what: 'lossSlice1D: reversed range', owner: 'lossSlice1D', says: /range must be \[low, high\] with high > low, got \[1, 0\]/, call: () => lossSlice1D(q.objective, reversed, { range: [1, 0] }) },
  { what: 'lossSlice1D: range as a number', owner: 'lossSlice1D', says: /range must be \[low, high\], got number 3/, call: () => lossSlice1D(q.objective, vector, { range: bad(3) }) },
  { what: 'lossSlice1D: NaN in range', owner: 'lossSlice1D', says: /range\[1\] must be a finite number, got NaN/, call: () => lossSlice1D(q.objective, vector, { range: [0, NaN] }) },
  { what: 'lossSlice1D: 1 point', owner: 'lossSlice1D', says: /points must be an integer >= 2, got 1/, call: () => lossSlice1D(q.objective, vector, { points: 1 }) },
  { what: 'lossSlice2D: undefined d2', owner: 'lossSlice2D', says: /d2 must be a tree of float32 tensors, got undefined/, call: () => lossSlice2D(q.objective, vector, bad(undefined)) },
  { what: 'linearPath: to of the wrong shape', owner: 'linearPath', says: /to does not match params at 'u': expected shape \[4\], got \[5\]/, call: () => linearPath(q.objective, vector, wrongShape) },
  { what: 'linearPath: undefined objective', owner: 'linearPath', says: /objective must be an Objective/, call: () => linearPath(bad(undefined), vector, vector) },
  // plots
  { what: 'lineChartSvg: undefined series', owner: 'lineChartSvg', says: /series must be a non-empty array/, call: () => lineChartSvg(bad(undefined)) },
  { what: 'lineChartSvg: y not an array', owner: 'lineChartSvg', says: /series\[0\].y must be an array of numbers, got 'a'/, call: () => lineChartSvg([{ x: [0], y: bad('a') }]) },
  { what: 'lineChartSvg: NaN width', owner: 'lineChartSvg', says: /width must be a finite number, got NaN/, call: () => lineChartSvg([{ x: [0, 1], y: [1, 2] }], { width: NaN }) },
  { what: 'heatmapSvg: z of the wrong size', owner: 'heatmapSvg', says: /z must be 2 rows of 1 values/, call: () => heatmapSvg([0, 1], [0], [[1]]) },
  { what: 'densitySvg: not a density', owner: 'densitySvg', says: /densities\[0\].density must be a spectralDensity\(...\) result, got undefined/, call: () => densitySvg([bad({})]) },
  { what: 'withSecondOrderGradients: undefined fn', owner: 'withSecondOrderGradients', says: /fn must be a function/, call: () => withSecondOrderGradients(bad(undefined)) },
];

describe('bad input to @basin/hessian', () => {
  beforeAll(() => {
    // Warm up what allocates once (the model's first forward pass, kernels' first use).
    tf.dispose([mo.loss(), ...Object.values(H.hvp(vector))]);
  });
  afterAll(() => {
    tf.dispose([vector, reversed, wrongShape, int32, extraKey, x, y, modelInt, diag, seven, eightInt, three, eight, yShort] as never);
    q.dispose();
    model.dispose();
  });

  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_, c) => {
    await expectBadInput(c, fixtures);
  });

  it(`tries ${cases.length} bad inputs`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(90);
    expect(new Set(cases.map((c) => c.what)).size).toBe(cases.length);
    // Every public entry point of the package appears.
    const owners = new Set(cases.map((c) => c.owner.split('.')[0]));
    for (const name of ['functionObjective', 'modelObjective', 'hessian', 'hvp', 'finiteDifferenceHvp', 'topEigenvalues', 'hutchinsonTrace', 'hutchPlusPlusTrace', 'spectralDensity', 'lanczos', 'tridiagonalEigen', 'epsilonSharpness', 'directionalSharpness', 'filterNormalizedDirection', 'lossSlice1D', 'lossSlice2D', 'linearPath', 'lineChartSvg', 'heatmapSvg', 'densitySvg', 'withSecondOrderGradients']) {
      expect(owners).toContain(name);
    }
    expect(names.length).toBe(2);
  });
});
