import { tf } from '@basin/testing';
import { scaleBySign } from './scale-by-sign';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { Tree, treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(1400);

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

describe('scaleBySign', () => {
  it('gives sign(g) (optax/_src/transform.py scale_by_sign) over 3 steps, exactly', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleBySign(), params, grads, 3), elementwiseReference(gradValues(3), () => ({}), (g) => Math.sign(g)), 0);
    treeDispose(params);
  });

  it('maps zeros to 0 and tiny values to plus or minus 1', () => {
    const g = { a: tf.tensor1d([0, -0, 3, -1e-30]) };
    const t = scaleBySign();
    const [u, s] = t.update(g, t.init(g));
    expect(leafValues(u).a.map((x) => x + 0)).toEqual([0, 0, 1, -1]);
    treeDispose([g, u, s]);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    expect(runTransform(scaleBySign(), flipped, (k) => reversedKeys(grads(k)), 2)).toEqual(runTransform(scaleBySign(), params, grads, 2));
    treeDispose([params, flipped]);
  });

  it('keeps the sign of the gradient after clipByGlobalNorm(1)', () => {
    const params = makeTree(1);
    expect(runTransform(chain(clipByGlobalNorm(1), scaleBySign()), params, grads, 2)).toEqual(runTransform(scaleBySign(), params, grads, 2));
    treeDispose(params);
  });
});

describeContract('scaleBySign', { make: () => scaleBySign() });
