import { tf } from '@basin/testing';
import { isBasinError } from '../errors';
import { adam, adamw } from '../aliases/adam';
import { sgd } from '../aliases/sgd';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { scaleByAdam } from '../transforms/scale-by-adam';
import { trace } from '../transforms/trace';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { expectBasinError, expectIntact, makeTree, snapshot } from '../../test-helpers';
import { publicTransform, stateMaker } from './public-transform';

describe('publicTransform', () => {
  it('refuses a state made by another transform before touching anything, naming who made it', () => {
    const params = makeTree(1);
    const grads = makeTree(2);
    const foreign = adam({ learningRate: 0.1 }).init(params);
    const snap = snapshot([params, grads, foreign]);
    expectBasinError(() => sgd({ learningRate: 0.1, momentum: 0.9 }).update(grads, foreign as never, params), /^sgd: the state was made by adam, not by sgd; pass the state from this sgd's init\(params\)$/);
    // The case: a chain that used to dispose four of the caller's tensors.
    expectBasinError(() => chain(clipByGlobalNorm(1), scaleByAdam()).update(grads, foreign as never, params), /^chain: the state was made by adam, not by chain/);
    expectIntact(snap);
    treeDispose([params, grads, foreign]);
  });

  it('refuses a state made for other params (another model), naming the path and shapes', () => {
    const params = makeTree(1);
    const other = { ...(makeTree(3) as Record<string, Tree>), extra: tf.zeros([4]) };
    const opt = adamw({ learningRate: 0.1 });
    const state = opt.init(other);
    const snap = snapshot([params, state]);
    expectBasinError(() => opt.update(params, state, params), /^adamw: the state does not belong .*unexpected \{extra\}.*\(it was made by adamw, for other params or with other options\)$/);
    expectIntact(snap);
    treeDispose([params, other, state]);
  });

  it('refuses int32 updates, disposed tensors, and a missing state or updates, naming the argument', () => {
    const params = makeTree(1);
    const opt = adam({ learningRate: 0.1 });
    const state = opt.init(params);
    const ints = { ...(makeTree(2) as Record<string, Tree>), gain: tf.scalar(1, 'int32') };
    expectBasinError(() => opt.update(ints, state, params), /^adam: updates at 'gain' has dtype int32; expected float32/);
    const grads = makeTree(2);
    expectBasinError(() => opt.update(grads, undefined as never, params), /^adam: state is undefined; pass the state from adam's init\(params\)/);
    expectBasinError(() => opt.update(undefined as never, state, params), /^adam: update needs the updates \(gradients\) tree, got undefined/);
    expectBasinError(() => opt.init(undefined as never), /^adam: init needs the params tree, got undefined/);
    expectBasinError(() => opt.init({ w: [1, 2] } as never), /^adam: params at 'w\[0\]' is number 1; expected a tensor/);
    const gone = makeTree(4);
    treeDispose(gone);
    expectBasinError(() => opt.update(gone, state, params), /^adam: updates at 'dense\.bias' is a disposed tensor/);
    treeDispose([params, state, ints, grads]);
  });

  it('labels errors of the building blocks with the name of the factory the user called', () => {
    const myOptimizer = publicTransform('myOptimizer', (decay: number): Transform<unknown[]> => chain(trace({ decay }), sgd({ learningRate: 1 })));
    expectBasinError(() => myOptimizer(2), /^myOptimizer: decay must be a number >= 0 and < 1, got 2$/);
    const opt = myOptimizer(0.5);
    expect(opt.name).toBe('myOptimizer');
    const params = makeTree(1);
    const state = opt.init(params);
    expect(stateMaker(state)).toBe('myOptimizer');
    const partial = { gain: tf.scalar(1) };
    expectBasinError(() => opt.update(partial, state, params), /^myOptimizer: updates does not match params at <root>: missing \{dense\}/);
    treeDispose([params, state, partial]);
  });

  it('turns an error a transform did not foresee into a BasinError with the original as cause', () => {
    const broken = publicTransform('broken', (): Transform<{ n: number }> => ({
      init: () => ({ n: 0 }),
      update: () => {
        throw new TypeError('boom');
      },
    }));
    const params: Tree = { w: tf.ones([2]) };
    let error: unknown;
    try {
      broken().update(params, { n: 0 }, params);
    } catch (e) {
      error = e;
    }
    expect(isBasinError(error)).toBe(true);
    expect((error as Error).message).toBe('broken: boom');
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(TypeError);
    treeDispose(params);
  });

  it('keeps computesOwnGradients and the results of a good update', () => {
    const own = publicTransform('own', (): Transform<Record<string, never>> => ({ computesOwnGradients: true, init: () => ({}), update: (u) => [u, {}] }));
    expect(own().computesOwnGradients).toBe(true);
    const params = makeTree(1);
    const opt = sgd({ learningRate: 0.5 });
    const before = tf.memory().numTensors;
    const [u, s] = opt.update(params, opt.init(params), params);
    expect(Array.from((u as { gain: tf.Tensor }).gain.dataSync())).toEqual([-0.5 * (params as { gain: tf.Tensor }).gain.dataSync()[0]]);
    treeDispose([u, s]);
    expect(tf.memory().numTensors).toBe(before);
    treeDispose(params);
  });
});
