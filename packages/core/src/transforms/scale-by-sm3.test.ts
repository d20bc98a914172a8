import { tf } from '@basin/testing';
import { scaleBySm3, ScaleBySm3Options } from './scale-by-sm3';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { collectTensors, Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, leafValues, makeTree, runTransform, seeded } from '../../test-helpers';

/** makeTree's leaves plus a [6, 4] matrix and a [3, 2, 4] cube, where the per-axis cover matters. */
const SHAPES: Record<string, number[]> = { 'dense.bias': [2], 'dense.kernel': [3, 2], gain: [], mat: [6, 4], cube: [3, 2, 4] };
function grads(k: number): Tree {
  return {
    ...(makeTree(1800 + k) as Record<string, Tree>),
    mat: tf.tensor2d(seeded(1900 + k, 24), [6, 4]),
    cube: tf.tensor3d(seeded(2000 + k, 24), [3, 2, 4]),
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

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i];
    index = Math.floor(index / shape[i]);
  }
  return out;
}

/** A float64 port of optax/_src/transform.py scale_by_sm3 (SM3-II, Anil et al. 2019, Algorithm 2). */
function sm3Reference(gradSteps: Record<string, number[]>[], { b1 = 0.9, b2 = 1, eps = 1e-8 }: ScaleBySm3Options = {}) {
  const [c0, c1] = b2 === 1 ? [1, 1] : [1 - b2, b2];
  const mu: Record<string, number[][]> = {};
  const nu: Record<string, number[]> = {};
  return gradSteps.map((tree) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const shape = SHAPES[path];
        const full = shape.length < 2;
        mu[path] ??= full ? [g.map(() => 0)] : shape.map((d) => new Array<number>(d).fill(0));
        nu[path] ??= g.map(() => 0);
        const index = g.map((_, i) => unravel(i, shape));
        const accum = g.map((x, i) => c0 * x * x + c1 * (full ? mu[path][0][i] : Math.min(...index[i].map((j, axis) => mu[path][axis][j]))));
        nu[path] = nu[path].map((n, i) => b1 * n + (1 - b1) * (accum[i] > 0 ? g[i] / Math.sqrt(accum[i] + eps) : 0));
        if (full) mu[path] = [accum];
        else mu[path] = shape.map((d, axis) => Array.from({ length: d }, (_, j) => Math.max(...accum.filter((_, i) => index[i][axis] === j))));
        return [path, nu[path].slice()];
      }),
    ),
  );
}

describe('scaleBySm3', () => {
  it.each<[string, ScaleBySm3Options]>([
    ['defaults (b1 0.9, b2 1)', {}],
    ['no momentum', { b1: 0 }],
    ['b2 0.9 (an average, not a sum)', { b1: 0.5, b2: 0.9, eps: 1e-4 }],
  ])('matches a float64 port of optax over 6 steps (tolerance 1e-5): %s', (_, options) => {
    const params = grads(50);
    expectTreesClose(runTransform(scaleBySm3(options), params, grads, 6), sm3Reference(gradValues(6), options), 1e-5);
    treeDispose(params);
  });

  it('keeps one accumulator per axis: 256 + 512 numbers for a [256, 512] matrix (plus the momentum)', () => {
    const w = { w: tf.zeros([256, 512]) };
    const s = scaleBySm3().init(w);
    expect((s.mu as { w: tf.Tensor }).w.size).toBe(256 + 512);
    expect([...collectTensors(s.nu)].reduce((n, t) => n + t.size, 0)).toBe(256 * 512);
    treeDispose([w, s]);
  });

  it('gives 0 where the accumulator is 0 (a zero gradient at the first step)', () => {
    const g = { m: tf.zeros([2, 3]) };
    const t = scaleBySm3();
    const [u, s] = t.update(g, t.init(g));
    expect(leafValues(u).m).toEqual([0, 0, 0, 0, 0, 0]);
    treeDispose([g, u, s]);
  });

  it('refuses invalid options, naming them', () => {
    expectBasinError(() => scaleBySm3({ b1: 1 }), /^scaleBySm3: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleBySm3({ b2: 1.5 }), /^scaleBySm3: b2 must be a number >= 0 and <= 1, got 1.5$/);
    expectBasinError(() => scaleBySm3({ eps: -1 }), /^scaleBySm3: eps must be a number >= 0, got -1$/);
    expectBasinError(() => scaleBySm3([] as never), /^scaleBySm3: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = grads(50);
    const flipped = reversedKeys(params);
    expect(runTransform(scaleBySm3(), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(scaleBySm3(), params, grads, 3));
    treeDispose([params, flipped]);
  });

  it('rescales the clipped gradient after clipByGlobalNorm(1) (tolerance 1e-5)', () => {
    const params = grads(50);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleBySm3()), params, grads, 3), sm3Reference(clipped), 1e-5);
    treeDispose(params);
  });
});

describeContract('scaleBySm3', { make: () => scaleBySm3(), perLeafState: true });
