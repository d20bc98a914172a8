import { tf, expectClose } from '@basin/testing';
import { scaleByRprop, ScaleByRpropOptions } from './scale-by-rprop';
import { clipByGlobalNorm } from './clip';
import { chain } from '../combinators/chain';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(700);

/** Riedmiller & Braun (1993) Rprop without backtracking (torch's and optax's form) in float64. */
function rpropReference(gv: Record<string, number[]>[], { learningRate, etaMinus = 0.5, etaPlus = 1.2, minStepSize = 1e-6, maxStepSize = 50 }: ScaleByRpropOptions) {
  return elementwiseReference(gv, () => ({ step: learningRate, prev: 0 }), (g, s) => {
    const sign = Math.sign(g * s.prev);
    if (sign !== 0) s.step = Math.min(maxStepSize, Math.max(minStepSize, s.step * (sign > 0 ? etaPlus : etaMinus)));
    s.prev = sign < 0 ? 0 : Math.sign(g);
    return s.prev * s.step;
  });
}

const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

describe('scaleByRprop', () => {
  it.each<[string, ScaleByRpropOptions]>([
    ['defaults, learningRate 0.01', { learningRate: 0.01 }],
    ['clipped to [0.004, 0.012]', { learningRate: 0.01, etaMinus: 0.3, etaPlus: 1.5, minStepSize: 0.004, maxStepSize: 0.012 }],
  ])('matches a float64 reference over 8 steps (with sign flips): %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByRprop(options), params, grads, 8), rpropReference(gradValues(8), options), 1e-6);
    treeDispose(params);
  });

  it('grows the step by etaPlus while the sign holds, halves it and skips the entry on a flip', () => {
    const t = scaleByRprop({ learningRate: 0.1 });
    const signs = [1, 1, 1, -1, -1, 1];
    let s = t.init({ a: tf.scalar(0) });
    const outs: number[] = [];
    for (const sign of signs) {
      const g = { a: tf.scalar(3 * sign) };
      const [u, next] = t.update(g, s);
      outs.push(leafValues(u).a[0]);
      treeDispose([g, u, s]);
      s = next;
    }
    // 0.1, 0.12, 0.144; flip: step 0.072, update 0; no comparison: -0.072; flip: 0.036, update 0.
    expectClose(outs, [0.1, 0.12, 0.144, 0, -0.072, 0], 1e-6);
    expectClose(leafValues(s.stepSizes).a, [0.036], 1e-6);
    treeDispose(s);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const make = () => scaleByRprop({ learningRate: 0.01 });
    const expected = runTransform(make(), params, grads, 5);
    expect(runTransform(make(), reversed(params), (k) => reversed(grads(k)), 5)).toEqual(expected);
    expect(runTransform(make(), params, (k) => reversed(grads(k)), 5)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain (only signs matter: same as unclipped)', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(750 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    const make = () => scaleByRprop({ learningRate: 0.01 });
    const viaChain = runTransform(chain(clipByGlobalNorm(1), make()), params, big, 5);
    expectTreesClose(viaChain, runTransform(make(), params, clipped, 5), 1e-7);
    expectTreesClose(viaChain, runTransform(make(), params, big, 5), 1e-7);
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expectBasinError(() => scaleByRprop(undefined as never), /^scaleByRprop: options must be an options record such as \{ learningRate: 0.01 \}/);
    expectBasinError(() => scaleByRprop({ learningRate: 0 }), /^scaleByRprop: learningRate must be a number > 0, got 0$/);
    expectBasinError(() => scaleByRprop({ learningRate: 0.1, etaMinus: 1 }), /^scaleByRprop: etaMinus must be a number > 0 and < 1, got 1$/);
    expectBasinError(() => scaleByRprop({ learningRate: 0.1, etaPlus: 1 }), /^scaleByRprop: etaPlus must be a number > 1, got 1$/);
    expectBasinError(() => scaleByRprop({ learningRate: 0.1, minStepSize: -1 }), /^scaleByRprop: minStepSize must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByRprop({ learningRate: 0.1, minStepSize: 1, maxStepSize: 0.5 }), /^scaleByRprop: maxStepSize must be a number >= minStepSize \(1\), got 0.5$/);
  });
});

describeContract('scaleByRprop', { make: () => scaleByRprop({ learningRate: 0.01 }), perLeafState: true });
