import { tf } from '@basin/testing';
import { makeGradFn, treeDispose, treeFlatten, withFusedUpdates, sgd, type Tree } from '@basin/core';
// Test-only: @basin/core's fused-against-composed harness and the conformance suite's SAM cases.
import { makeTree, runFusedFunctionCase } from '../../core/src/fused/testing/fused-cases';
import { SAM_FUSED_CASES } from '../../../tools/conformance/sam-fused-cases';
import { perturbed, sam } from './sam';

describe("SAM's ascent point fused on cpu: the same numbers as the composed ops", () => {
  it.each(SAM_FUSED_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = runFusedFunctionCase(c);
    expect(r.fused).toBe(true);
    expect(r.leaked).toBe(0);
    // The JavaScript kernels round like the composed ops: bit for bit on cpu (within 1e-6 elsewhere).
    expect(r.updateError).toBe(0);
  });
});

/** Kernel names of `fn` (tf.profile), its result disposed. */
async function kernels(fn: () => Tree): Promise<string[]> {
  return (await tf.profile(() => treeDispose(fn()))).kernels.map((k) => k.name);
}

describe("kernels of SAM's ascent point (tf.profile; the same on every machine)", () => {
  const w = makeTree(1, 1, { empty: false });
  const g = makeTree(2, 1, { empty: false });
  const leaves = treeFlatten(w).length;
  afterAll(() => treeDispose([w, g]));

  it('w + rho g / ||g||: one norm kernel for the tree and one kernel per leaf; composed, four per leaf', async () => {
    const fused = await kernels(() => perturbed(g, w, { rho: 0.05 }));
    expect(fused.filter((n) => n === 'BasinScaledAdd')).toHaveLength(leaves);
    expect(fused.filter((n) => n === 'BasinGlobalNorm')).toHaveLength(1);
    const fixed = fused.length - leaves; // the norm and the scalar c = rho / (||g|| + eps)
    const composed = await withFusedUpdates(false, () => kernels(() => perturbed(g, w, { rho: 0.05 })));
    expect(composed.some((n) => n.startsWith('Basin'))).toBe(false);
    // Per leaf: Square, Sum (the norm), Mul, Add (the point); the scalar work is the same plus AddN and Sqrt.
    expect(composed.length).toBe(4 * leaves + fixed + 1);
  });

  it('w + rho g (unnormalised): one kernel per leaf; composed, two', async () => {
    const fused = await kernels(() => perturbed(g, w, { rho: 0.1, normalize: false }));
    expect(fused.filter((n) => n === 'BasinScaledAdd')).toHaveLength(leaves);
    const composed = await withFusedUpdates(false, () => kernels(() => perturbed(g, w, { rho: 0.1, normalize: false })));
    expect(composed.length - (fused.length - leaves)).toBe(2 * leaves);
  });

  it('a sam step runs the fused ascent point and gives the composed step bit for bit', () => {
    const loss = (p: Tree, batch: tf.Tensor) => tf.tidy(() => tf.addN(treeFlatten(p).map((x) => tf.sum(tf.mul(tf.sin(tf.mul(x, batch)), x)))) as tf.Scalar);
    const batch = tf.scalar(1.5);
    const gradFn = makeGradFn(loss, batch);
    const run = () => {
      const opt = sam(sgd({ learningRate: 0.1 }), { rho: 0.05 });
      const state = opt.init(w);
      const [u, next] = opt.update(g, state, w, { gradFn });
      const values = treeFlatten(u).map((x) => Array.from(x.dataSync()));
      treeDispose([u, next, state]);
      return values;
    };
    expect(run()).toEqual(withFusedUpdates(false, run));
    batch.dispose();
  });
});
