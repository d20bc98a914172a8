import * as core from './index';
import { tf, expectClose } from '@basin/testing';

describe('@basin/core public surface', () => {
  it('exports the pipeline, transforms, aliases, schedules, training helpers and checkpoints', () => {
    const functions = [
      'chain', 'namedChain', 'partition', 'masked', 'injectHyperparams', 'setHyperparam',
      'identity', 'setToZero', 'scale', 'scaleBySchedule', 'scaleByLearningRate', 'trace', 'scaleByAdam', 'scaleByRms',
      'scaleByLion', 'addDecayedWeights', 'clip', 'clipByGlobalNorm', 'normalizeByGlobalNorm', 'applyUpdates',
      'sgd', 'adam', 'adamw', 'rmsprop', 'lion',
      'constantSchedule', 'polynomialSchedule', 'linearSchedule', 'exponentialDecay', 'cosineDecay', 'warmupCosineDecay', 'piecewiseConstant', 'joinSchedules',
      'treeMap', 'treeLeaves', 'treeGlobalNorm', 'treeToVector', 'treeFromVector', 'treeDispose', 'disposeReplaced',
      'checkNumber', 'checkScalarOrSchedule', 'resolveHyper', 'assertFiniteTree',
      'valueAndGrad', 'microbatchRange', 'sliceBatch', 'makeGradFn', 'step', 'Trainer', 'ModelTrainer', 'readScalar', 'resolveOutputLoss',
      'encodeTree', 'decodeTree', 'saveCheckpoint', 'restoreCheckpoint', 'BasinError',
      'checkBoolean', 'updateAndApply', 'setFusedUpdates', 'withFusedUpdates', 'fusedUpdatesEnabled', 'fusedKernelAvailable', 'registerJsFusedKernels',
      // optax's transforms added for issue 14.
      'scaleByRss', 'scaleByAdadelta', 'scaleByAdamax', 'scaleByRadam', 'scaleByRprop', 'scaleByAmsgrad', 'scaleByBelief', 'scaleByYogi',
      'scaleByNovograd', 'scaleByTrustRatio', 'scaleByFactoredRms', 'scaleBySm3', 'scaleBySign', 'addNoise', 'scaleByPolyak',
      'scaleByOptimisticGradient', 'clipByBlockRms', 'scaleByParamBlockRms',
      // ... and aliases.
      'adagrad', 'adadelta', 'adamax', 'adamaxw', 'radam', 'rprop', 'nadam', 'nadamw', 'amsgrad', 'adabelief', 'yogi', 'novograd',
      'lamb', 'lars', 'adafactor', 'sm3', 'fromage', 'signSgd', 'noisySgd', 'polyakSgd', 'optimisticGradientDescent',
      // Training wrappers.
      'multiSteps', 'lookahead', 'ema', 'averageParams', 'averagedParams', 'applyIfFinite', 'zeroNans', 'reduceOnPlateau',
      'scheduleFree', 'scheduleFreeSgd', 'scheduleFreeAdamw', 'scheduleFreeEvalParams',
      // model.fit with any transform.
      'BasinOptimizer', 'basinOptimizer',
    ] as const;
    for (const name of functions) expect(typeof (core as Record<string, unknown>)[name]).toBe('function');
    expect(Object.keys(core.outputLosses)).toContain('meanSquaredError');
  });

  it('composes end to end through the index: adamw on a tree, one applied step', () => {
    const params = { w: tf.tensor1d([1, -1]) };
    const opt = core.adamw({ learningRate: 0.1, weightDecay: 0 });
    const state = opt.init(params);
    const g = { w: tf.tensor1d([0.5, -2]) };
    const [u, s] = opt.update(g, state, params);
    const next = core.applyUpdates(params, u) as { w: tf.Tensor };
    // First Adam step is lr * sign(g) (bias correction), so w moves by -0.1 * sign(g).
    expectClose(next.w.dataSync(), [0.9, -0.9], 1e-6);
    core.treeDispose([params, state, g, u, s, next]);
  });
});
