import { tf } from '@basin/testing';
import { adam, adamw } from '../aliases/adam';
import { sgd } from '../aliases/sgd';
import { lion } from '../aliases/lion';
import { rmsprop } from '../aliases/rmsprop';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { decodeTree, encodeTree } from '../checkpoint';
import { Tree, treeAddScaled, treeDispose, treeFlatten, treeGlobalNorm, treeScale } from '../tree';
import type { Transform } from '../transform';
import { BasinError } from '../errors';
import { fusedKernelAvailable } from './dispatch';
import { FUSED_UPDATES_FLAG, fusedUpdatesEnabled, setFusedUpdates, withFusedUpdates } from './flags';
import { registerJsFusedKernels } from './js-kernels';
import { BASIN_ADAM_UPDATE, BASIN_CLIP_BY_GLOBAL_NORM, BASIN_GLOBAL_NORM, BASIN_SCALED_ADD, FUSED_KERNEL_NAMES } from './kernels';
import { updateAndApply } from './update-and-apply';
import { FUSED_CASES, FUSED_FUNCTION_CASES, FUSED_TOLERANCE, makeTree, runFusedCase, runFusedFunctionCase, treeRelativeError } from './testing/fused-cases';

describe('fused updates on cpu: the same numbers as the composed path', () => {
  it.each(FUSED_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = runFusedCase(c, 5);
    expect(r.fused).toBe(true);
    expect(r.countsDiffer).toBe(false);
    expect(r.leaked).toBe(0);
    // The JavaScript kernels round like the composed ops: bit for bit on cpu (well within 1e-6).
    expect(r.updateError).toBeLessThanOrEqual(FUSED_TOLERANCE);
    expect(r.applyError).toBeLessThanOrEqual(FUSED_TOLERANCE);
    expect(r.stateError).toBeLessThanOrEqual(FUSED_TOLERANCE);
    expect([r.updateError, r.applyError, r.stateError]).toEqual([0, 0, 0]);
  });
});

describe('fused tree functions on cpu (the norm, the scaling): the same numbers as the composed ops', () => {
  it.each(FUSED_FUNCTION_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = runFusedFunctionCase(c);
    expect(r.fused).toBe(true);
    expect(r.leaked).toBe(0);
    expect(r.updateError).toBe(0);
  });
});

describe('kernels of the tree functions (tf.profile) on cpu', () => {
  const params = () => makeTree(1, 1, { empty: false });
  const names = async (fn: () => tf.TensorContainer) => (await tf.profile(() => tf.dispose(fn()))).kernels.map((k) => k.name);

  it('treeGlobalNorm: one reduction over all leaves; composed, a square and a sum per leaf', async () => {
    const g = params();
    const leaves = treeFlatten(g).length;
    expect(await names(() => treeGlobalNorm(g))).toEqual([BASIN_GLOBAL_NORM]);
    const composed = await withFusedUpdates(false, () => names(() => treeGlobalNorm(g)));
    expect(composed.filter((n) => n === 'Square' || n === 'Sum')).toHaveLength(2 * leaves);
    treeDispose(g);
  });

  it('treeAddScaled and treeScale: one kernel per leaf; composed, two and one', async () => {
    const [w, g] = [params(), params()];
    const leaves = treeFlatten(g).length;
    const c = tf.scalar(0.3);
    expect(await names(() => treeAddScaled(w, g, c) as tf.TensorContainer)).toEqual(Array(leaves).fill(BASIN_SCALED_ADD));
    expect(await names(() => treeScale(g, 2) as tf.TensorContainer)).toEqual(Array(leaves).fill(BASIN_SCALED_ADD));
    expect(await withFusedUpdates(false, () => names(() => treeAddScaled(w, g, c) as tf.TensorContainer))).toHaveLength(2 * leaves);
    treeDispose([w, g, c]);
  });

  it('clipByGlobalNorm without its whole-tree kernel (as on webgl, webgpu): the norm, then one scaling kernel per leaf', async () => {
    const g = makeTree(2, 3, { empty: false });
    const leaves = treeFlatten(g).length;
    const clip = clipByGlobalNorm(0.5);
    const reference = withFusedUpdates(false, () => clip.update(g, {}))[0];
    fusedKernelAvailable(BASIN_CLIP_BY_GLOBAL_NORM); // registers the cpu kernels
    tf.unregisterKernel(BASIN_CLIP_BY_GLOBAL_NORM, 'cpu');
    try {
      const run = await names(() => {
        const [out] = clip.update(g, {});
        expect(treeRelativeError(out, reference)).toBe(0);
        return out as tf.TensorContainer;
      });
      expect(run.filter((n) => n === BASIN_SCALED_ADD)).toHaveLength(leaves);
      expect(run.filter((n) => n === BASIN_GLOBAL_NORM)).toHaveLength(1);
      expect(run.length - leaves).toBeLessThanOrEqual(3); // the norm, Maximum, RealDiv
    } finally {
      registerJsFusedKernels('cpu');
    }
    treeDispose([g, reference]);
  });
});

/** Kernels per leaf of one step (after a warm-up step, which also builds the guard's caches). */
async function kernelsPerLeaf(t: Transform<any>, mode: 'update' | 'apply'): Promise<{ perLeaf: number; names: string[] }> {
  const params = makeTree(1, 1, { empty: false });
  const grads = makeTree(2, 1, { empty: false });
  const leaves = treeFlatten(params).length;
  let state = t.init(params);
  const once = () => {
    if (mode === 'apply') {
      const [p, s] = updateAndApply(t, grads, state, params);
      treeDispose([p, state]);
      state = s;
    } else {
      const [u, s] = t.update(grads, state, params);
      const p = applyUpdates(params, u);
      treeDispose([u, p, state]);
      state = s;
    }
  };
  once();
  const profile = await tf.profile(once);
  treeDispose([params, grads, state]);
  return { perLeaf: profile.kernels.length / leaves, names: profile.kernels.map((k) => k.name) };
}

describe('kernels per leaf (tf.profile) on cpu', () => {
  const cases: [string, () => Transform<any>, number][] = [
    // [name, transform, composed kernels per leaf for update + applyUpdates (DESIGN.md's figures)]
    ['sgd', () => sgd({ learningRate: 0.1 }), 3],
    ['sgd(momentum)', () => sgd({ learningRate: 0.1, momentum: 0.9 }), 5],
    ['adam', () => adam({ learningRate: 0.01 }), 13],
    ['adamw', () => adamw({ learningRate: 0.01 }), 15],
    ['lion', () => lion({ learningRate: 0.01 }), 11],
    ['rmsprop', () => rmsprop({ learningRate: 0.01 }), 11],
  ];
  it.each(cases)('%s: one fused kernel per leaf with updateAndApply, two with update + applyUpdates; composed as before', async (_name, make, composed) => {
    expect((await kernelsPerLeaf(make(), 'apply')).perLeaf).toBe(1);
    expect((await kernelsPerLeaf(make(), 'update')).perLeaf).toBe(2);
    const reference = await withFusedUpdates(false, () => kernelsPerLeaf(make(), 'update'));
    expect(reference.perLeaf).toBe(composed);
    expect(reference.names.some((n) => n.startsWith('Basin'))).toBe(false);
  });

  it('clip + adamw: one clip kernel for the whole tree, then one per leaf', async () => {
    const { perLeaf, names } = await kernelsPerLeaf(chain(clipByGlobalNorm(1), adamw({ learningRate: 0.01 })), 'update');
    expect(names.filter((n) => n === 'BasinClipByGlobalNorm')).toHaveLength(1);
    expect(perLeaf).toBeLessThanOrEqual(3);
    expect((await withFusedUpdates(false, () => kernelsPerLeaf(chain(clipByGlobalNorm(1), adamw({ learningRate: 0.01 })), 'update'))).perLeaf).toBeGreaterThan(18);
  });
});

describe('checkpoints move between the fused and composed paths', () => {
  const roundTrip = (state: unknown) => {
    const copy = decodeTree(JSON.parse(JSON.stringify(encodeTree(state))));
    return copy;
  };
  it.each([
    ['adamw', () => adamw({ learningRate: 0.01, weightDecay: 0.1, mask: { dense: { kernel: true, bias: false }, layers: [{ w: true }, { w: false }], gain: false, empty: true } })],
    ['sgd(nesterov)', () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['lion', () => lion({ learningRate: 1e-3 })],
    ['rmsprop(centered, momentum)', () => rmsprop({ learningRate: 0.01, centered: true, momentum: 0.9 })],
  ] as const)('%s: saved under one, resumed under the other, same trajectory', (_name, make) => {
    const run = (fusedFirst: boolean, fusedThen: boolean): Tree => {
      const t = make();
      let params = makeTree(1);
      let state = t.init(params);
      for (let k = 0; k < 6; k++) {
        if (k === 3) {
          const restored = roundTrip(state);
          treeDispose(state);
          state = restored;
        }
        const grads = makeTree(200 + k);
        const [p, s] = withFusedUpdates(k < 3 ? fusedFirst : fusedThen, () => updateAndApply(t, grads, state, params));
        treeDispose([grads, params, state]);
        params = p;
        state = s;
      }
      treeDispose(state);
      return params;
    };
    const fusedAll = run(true, true);
    const composedAll = run(false, false);
    for (const [a, b] of [[true, false], [false, true]] as const) {
      const mixed = run(a, b);
      expect(treeRelativeError(mixed, composedAll)).toBeLessThanOrEqual(FUSED_TOLERANCE);
      expect(treeRelativeError(mixed, fusedAll)).toBeLessThanOrEqual(FUSED_TOLERANCE);
      treeDispose(mixed);
    }
    treeDispose([fusedAll, composedAll]);
  });
});

describe('switching and fallbacks', () => {
  it('setFusedUpdates(false) and the BASIN_FUSED_UPDATES flag force the composed path', async () => {
    expect(fusedUpdatesEnabled()).toBe(true);
    expect(setFusedUpdates(false)).toBe(true);
    expect(tf.env().getBool(FUSED_UPDATES_FLAG)).toBe(false);
    expect(fusedKernelAvailable(BASIN_ADAM_UPDATE)).toBe(false);
    const { names } = await kernelsPerLeaf(adam({ learningRate: 0.01 }), 'apply');
    expect(names).not.toContain('BasinAdamUpdate');
    tf.env().set(FUSED_UPDATES_FLAG, true);
    expect(fusedKernelAvailable(BASIN_ADAM_UPDATE)).toBe(true);
  });

  it('a backend without the kernel runs the composed path', async () => {
    fusedKernelAvailable(BASIN_ADAM_UPDATE); // registers the cpu kernels
    tf.unregisterKernel(BASIN_ADAM_UPDATE, 'cpu');
    try {
      expect(fusedKernelAvailable(BASIN_ADAM_UPDATE)).toBe(false);
      const { names } = await kernelsPerLeaf(adam({ learningRate: 0.01 }), 'apply');
      expect(names).toContain('RealDiv');
    } finally {
      registerJsFusedKernels('cpu');
    }
    expect(fusedKernelAvailable(BASIN_ADAM_UPDATE)).toBe(true);
  });

  it('every kernel is registered for cpu once used', () => {
    fusedKernelAvailable(BASIN_ADAM_UPDATE);
    for (const name of FUSED_KERNEL_NAMES) expect(tf.getKernel(name, 'cpu')).toBeDefined();
  });

  it('errors are the composed path errors (a state for other params, a missing params tree, a bad schedule value)', () => {
    const messages = (fused: boolean) =>
      withFusedUpdates(fused, () => {
        const out: string[] = [];
        const params = makeTree(1);
        const other = { w: tf.zeros([2]) };
        const grads = makeTree(2);
        const attempts: (() => unknown)[] = [
          () => adam({ learningRate: 0.1 }).update(grads, adam({ learningRate: 0.1 }).init(other), params),
          () => adamw({ learningRate: 0.1 }).update(grads, adamw({ learningRate: 0.1 }).init(params)),
          () => sgd({ learningRate: () => NaN, momentum: 0.9 }).update(grads, sgd({ learningRate: 0.1, momentum: 0.9 }).init(params), params),
          () => updateAndApply(adam({ learningRate: 0.1 }), grads, [{ count: 0 }, { count: 0 }] as never, params),
          () => updateAndApply(lion({ learningRate: 0.1 }), grads, lion({ learningRate: 0.1 }).init(params), undefined as unknown as Tree),
        ];
        for (const attempt of attempts) {
          const before = tf.memory().numTensors;
          try {
            attempt();
            out.push('no error');
          } catch (e) {
            out.push(`${e instanceof BasinError} ${(e as Error).message}`);
          }
          void before;
        }
        treeDispose([params, other, grads]);
        return out;
      });
    const fused = messages(true);
    expect(fused).toEqual(messages(false));
    expect(fused.every((m) => m.startsWith('true '))).toBe(true);
  });

  it('updateAndApply leaves its inputs alone and leaks nothing, fused or composed', () => {
    for (const fused of [true, false]) {
      withFusedUpdates(fused, () => {
        const t = adamw({ learningRate: 0.01 });
        const params = makeTree(1);
        const grads = makeTree(2);
        let state = t.init(params);
        const before = tf.memory().numTensors;
        for (let k = 0; k < 3; k++) {
          const [p, s] = updateAndApply(t, grads, state, params);
          treeDispose([p, state]);
          state = s;
        }
        expect(tf.memory().numTensors).toBe(before);
        expect(treeFlatten(params).every((x) => !x.isDisposed)).toBe(true);
        treeDispose([params, grads, state]);
      });
    }
  });
});

describe('differentiating through an update', () => {
  it('uses the composed ops, which have gradients', () => {
    const t = sgd({ learningRate: 0.1, momentum: 0.9 });
    const params = { w: tf.tensor1d([1, 2, 3]) };
    const state = t.init(params);
    // d/dg of sum(update(g)) = -learningRate for every entry (a fused kernel has no gradient).
    const dg = tf.grad((g: tf.Tensor) => {
      const [u] = t.update({ w: g }, state, params);
      return tf.sum((u as { w: tf.Tensor }).w);
    })(tf.tensor1d([0.5, -1, 2]));
    expect(Array.from(dg.dataSync())).toEqual([-0.1, -0.1, -0.1].map(Math.fround));
    treeDispose([params, state, dg]);
  });
});
