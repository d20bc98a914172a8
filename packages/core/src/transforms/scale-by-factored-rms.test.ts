import { tf } from '@basin/testing';
import { factoredDims, scaleByFactoredRms, ScaleByFactoredRmsOptions } from './scale-by-factored-rms';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { collectTensors, Tree, treeDispose } from '../tree';
import {
  describeContract,
  expectBasinError,
  expectTreesClose,
  f64,
  leafValues,
  makeTree,
  runTransform,
  seeded,
} from '../../test-helpers';

/** makeTree's leaves plus a [130, 140] matrix (factored at optax's default 128) and a [4, 3, 5] cube. */
const SHAPES: Record<string, number[]> = { 'dense.bias': [2], 'dense.kernel': [3, 2], gain: [], big: [130, 140], cube: [4, 3, 5] };
function grads(k: number): Tree {
  return {
    ...(makeTree(1500 + k) as Record<string, Tree>),
    big: tf.tensor2d(seeded(1600 + k, 130 * 140), [130, 140]),
    cube: tf.tensor3d(seeded(1700 + k, 60), [4, 3, 5]),
  };
}
function gradValues(n: number): Record<string, number[]>[] {
  return Array.from({ length: n }, (_, k) => {
    const g = grads(k);
    const v = leafValues(g);
    treeDispose(g);
    return v;
  });
}
const params = (): Tree => grads(100);

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

// --- A float64 port of optax/_src/factorized.py scale_by_factored_rms, on row-major arrays. ---
const without = <T>(xs: readonly T[], axis: number): T[] => xs.filter((_, i) => i !== axis);
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i];
    index = Math.floor(index / shape[i]);
  }
  return out;
}
const ravel = (multi: readonly number[], shape: readonly number[]) => multi.reduce((acc, m, i) => acc * shape[i] + m, 0);
function meanOver(a: number[], shape: number[], axis: number): number[] {
  const outShape = without(shape, axis);
  const out = new Array<number>(size(outShape)).fill(0);
  a.forEach((x, i) => {
    out[ravel(without(unravel(i, shape), axis), outShape)] += x / shape[axis];
  });
  return out;
}
/** numpy's argsort (stable for small ranks): the two largest axes [d1, d0], or none. */
function dimsOf(shape: number[], factored: boolean, minDim: number): [number, number] | undefined {
  if (!factored || shape.length < 2) return undefined;
  const order = shape.map((d, i) => [d, i]).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map(([, i]) => i);
  const [d1, d0] = order.slice(-2);
  return shape[d1] >= minDim ? [d1, d0] : undefined;
}
function factoredReference(gradSteps: Record<string, number[]>[], o: ScaleByFactoredRmsOptions = {}): Record<string, number[]>[] {
  const { factored = true, decayRate = 0.8, stepOffset = 0, minDimSizeToFactor = 128, eps = 1e-30 } = o;
  const state: Record<string, { vRow?: number[]; vCol?: number[]; v?: number[] }> = {};
  return gradSteps.map((tree, k) => {
    const beta = 1 - Math.pow(k - stepOffset + 1, -decayRate);
    return Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const shape = SHAPES[path];
        const G = g.map((x) => x * x + eps);
        const dims = dimsOf(shape, factored, minDimSizeToFactor);
        const s = (state[path] ??= {});
        if (!dims) {
          s.v = G.map((x, i) => beta * (s.v?.[i] ?? 0) + (1 - beta) * x);
          return [path, g.map((x, i) => x / Math.sqrt(s.v![i]))];
        }
        const [d1, d0] = dims;
        const rowShape = without(shape, d0);
        const colShape = without(shape, d1);
        s.vRow = meanOver(G, shape, d0).map((x, i) => beta * (s.vRow?.[i] ?? 0) + (1 - beta) * x);
        s.vCol = meanOver(G, shape, d1).map((x, i) => beta * (s.vCol?.[i] ?? 0) + (1 - beta) * x);
        const reducedD1 = d1 > d0 ? d1 - 1 : d1;
        const rowMean = meanOver(s.vRow, rowShape, reducedD1);
        return [
          path,
          g.map((x, i) => {
            const m = unravel(i, shape);
            const r = without(m, d0);
            const rowFactor = Math.sqrt(rowMean[ravel(without(r, reducedD1), without(rowShape, reducedD1))] / s.vRow![ravel(r, rowShape)]);
            return (x * rowFactor) / Math.sqrt(s.vCol![ravel(without(m, d1), colShape)]);
          }),
        ];
      }),
    );
  });
}

const stateSize = (state: unknown) => [...collectTensors(state)].reduce((n, t) => n + t.size, 0);

describe('scaleByFactoredRms', () => {
  it.each<[string, ScaleByFactoredRmsOptions]>([
    ['defaults: only the [130, 140] matrix factored', {}],
    ['minDimSizeToFactor 2: the [3, 2] kernel (largest axis first) and the cube factored too', { minDimSizeToFactor: 2 }],
    ['decayRate 0.5, eps 1e-3, minDimSizeToFactor 3', { decayRate: 0.5, eps: 1e-3, minDimSizeToFactor: 3 }],
    ['factored false: full second moments everywhere', { factored: false }],
  ])('matches a float64 port of optax over 5 steps (tolerance 1e-5): %s', (_, options) => {
    const p = params();
    expectTreesClose(runTransform(scaleByFactoredRms(options), p, grads, 5), factoredReference(gradValues(5), options), 1e-5);
    treeDispose(p);
  });

  it('keeps 256 + 512 numbers of state for a [256, 512] matrix, not 256 * 512', () => {
    const w = { w: tf.zeros([256, 512]) };
    const t = scaleByFactoredRms();
    const s0 = t.init(w);
    expect((s0.vRow as { w: tf.Tensor }).w.shape).toEqual([256]);
    expect((s0.vCol as { w: tf.Tensor }).w.shape).toEqual([512]);
    expect((s0.v as { w: tf.Tensor }).w.shape).toEqual([0]);
    expect(stateSize(s0)).toBe(256 + 512);
    const g = { w: tf.randomNormal([256, 512], 0, 1, 'float32', 3) };
    const [u, s1] = t.update(g, s0);
    expect(stateSize(s1)).toBe(768);
    expect(stateSize(scaleByFactoredRms({ factored: false }).init(w))).toBe(256 * 512);
    treeDispose([w, s0, g, u, s1]);
  });

  it('chooses the factored axes as optax does', () => {
    expect(factoredDims([256, 512], true, 128)).toEqual([0, 1]);
    expect(factoredDims([512, 256], true, 128)).toEqual([1, 0]);
    expect(factoredDims([128, 128], true, 128)).toEqual([0, 1]);
    expect(factoredDims([8, 200, 300], true, 128)).toEqual([1, 2]);
    expect(factoredDims([127, 4096], true, 128)).toBeUndefined();
    expect(factoredDims([4096], true, 128)).toBeUndefined();
    expect(factoredDims([256, 512], false, 128)).toBeUndefined();
  });

  it('continues the decay schedule of a restored state with stepOffset, and refuses a count before it', () => {
    const p = params();
    const t = scaleByFactoredRms({ stepOffset: 3 });
    const fresh = t.init(p);
    const g = grads(0);
    expectBasinError(() => t.update(g, fresh), /^scaleByFactoredRms: the step count \(0\) is before stepOffset \(3\)/);
    const [u, s] = t.update(g, { ...fresh, count: 3 });
    expect(s.count).toBe(4);
    // At the offset the decay is 0: the update is g / sqrt(g^2 + eps) (sign-like) for unfactored leaves.
    expectTreesClose([{ gain: leafValues(u).gain }], [{ gain: [Math.sign(leafValues(g).gain[0])] }], 1e-6);
    treeDispose([p, fresh, g, u, s]);
  });

  it('refuses invalid options, naming them', () => {
    expectBasinError(() => scaleByFactoredRms({ decayRate: -0.8 }), /^scaleByFactoredRms: decayRate must be a number >= 0, got -0.8$/);
    expectBasinError(() => scaleByFactoredRms({ stepOffset: 1.5 }), /^scaleByFactoredRms: stepOffset must be an integer >= 0, got 1.5$/);
    expectBasinError(() => scaleByFactoredRms({ minDimSizeToFactor: NaN }), /^scaleByFactoredRms: minDimSizeToFactor must be a finite number, got NaN$/);
    expectBasinError(() => scaleByFactoredRms({ eps: -1 }), /^scaleByFactoredRms: eps must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByFactoredRms({ factored: 'yes' as unknown as boolean }), /^scaleByFactoredRms: factored must be true or false, got string yes$/);
    expectBasinError(() => scaleByFactoredRms(null as never), /^scaleByFactoredRms: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const p = params();
    const flipped = reversedKeys(p);
    const t = () => scaleByFactoredRms({ minDimSizeToFactor: 2 });
    expect(runTransform(t(), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(t(), p, grads, 3));
    treeDispose([p, flipped]);
  });

  it('rescales the clipped gradient after clipByGlobalNorm(1) (tolerance 1e-5)', () => {
    const p = params();
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByFactoredRms()), p, grads, 3), factoredReference(clipped), 1e-5);
    treeDispose(p);
  });
});

describeContract('scaleByFactoredRms', { make: () => scaleByFactoredRms(), perLeafState: true });
describeContract('scaleByFactoredRms (kernel factored)', { make: () => scaleByFactoredRms({ minDimSizeToFactor: 2 }), perLeafState: true });
