import { tf, expectClose } from '@basin/testing';
import { scaleByParamBlockRms } from './scale-by-param-block-rms';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1600);

/** optax's `scale_by_param_block_rms` (optax/_src/transform.py) in float64: `u * max(rms(p), minScale)`. */
function reference(params: Record<string, number[]>, updates: Record<string, number[]>[], minScale: number) {
  const rms = (x: number[]) => Math.max(Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length), minScale);
  return updates.map((tree) => Object.fromEntries(Object.entries(tree).map(([path, u]) => [path, u.map((x) => x * rms(params[path]))])));
}

describe('scaleByParamBlockRms', () => {
  it.each([
    ['default minScale 1e-3', undefined, 1e-3],
    ['minScale 0.5 (above some leaves)', 0.5, 0.5],
    ['minScale 0', 0, 0],
  ] as const)('matches a float64 reference over 3 steps (tolerance 1e-6): %s', (_, minScale, expected) => {
    const params = makeTree(1, 0.4);
    const t = minScale === undefined ? scaleByParamBlockRms() : scaleByParamBlockRms({ minScale });
    expectTreesClose(runTransform(t, params, grads, 3), reference(leafValues(params), gradValues(3), expected), 1e-6);
    treeDispose(params);
  });

  it("optax's transform_test: params ([1, 2], [3, 4]), updates ([500, 5], [300, 3])", () => {
    const params = { a: tf.tensor1d([1, 2]), b: tf.tensor1d([3, 4]) };
    const g = { a: tf.tensor1d([500, 5]), b: tf.tensor1d([300, 3]) };
    const t = scaleByParamBlockRms();
    const [u] = t.update(g, t.init(params), params);
    const [ra, rb] = [Math.sqrt(2.5), Math.sqrt(12.5)];
    expectClose(leafValues(u).a, [500 * ra, 5 * ra], 1e-6);
    expectClose(leafValues(u).b, [300 * rb, 3 * rb], 1e-6);
    treeDispose([params, g, u]);
  });

  it('scales by minScale where the params are zero', () => {
    const params = { w: tf.zeros([2, 2]) };
    const g = { w: tf.ones([2, 2]) };
    const t = scaleByParamBlockRms({ minScale: 0.25 });
    const [u] = t.update(g, t.init(params), params);
    expect(leafValues(u).w).toEqual([0.25, 0.25, 0.25, 0.25]);
    treeDispose([params, g, u]);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => scaleByParamBlockRms({ minScale: 0.01 }));
  });

  it('refuses invalid options and a missing params tree, naming them', () => {
    expectBasinError(() => scaleByParamBlockRms({ minScale: -1 }), /^scaleByParamBlockRms: minScale must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByParamBlockRms({ minScale: NaN }), /^scaleByParamBlockRms: minScale must be a finite number, got NaN$/);
    expectBasinError(() => scaleByParamBlockRms(null as never), /^scaleByParamBlockRms: options must be an options record/);
    const g = makeTree(2);
    const t = scaleByParamBlockRms();
    const s = t.init(g);
    expectBasinError(() => t.update(g, s), /^scaleByParamBlockRms: update needs params/);
    treeDispose([g, s]);
  });
});

describeContract('scaleByParamBlockRms', { make: () => scaleByParamBlockRms(), readsParams: true });
