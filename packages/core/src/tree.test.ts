import { tf, expectClose, expectNoLeak } from '@basin/testing';
import {
  assertSameStructure,
  collectTensors,
  describePath,
  disposeReplaced,
  isTensor,
  treeAdd,
  treeAddScaled,
  treeClone,
  treeDispose,
  treeDot,
  treeFlatten,
  treeFromVector,
  treeGlobalNorm,
  treeLeaves,
  treeMap,
  treeMapWithPath,
  treeOnesLike,
  treeScale,
  treeSize,
  treeSub,
  treeSumOfSquares,
  treeToVector,
  treeUnflatten,
  treeZerosLike,
  Tree,
} from './tree';
import { BasinError } from './errors';
import { withFusedUpdates } from './fused/flags';
import { expectBasinError, leafValues, seeded, vals } from '../test-helpers';

const nested = (): Tree => ({
  a: tf.tensor1d([1, 2]),
  layers: [{ w: tf.tensor2d([1, 2, 3, 4], [2, 2]) }, { w: tf.tensor2d([5, 6, 7, 8], [2, 2]), b: tf.scalar(9) }],
});

describe('treeLeaves / treeFlatten / treeUnflatten', () => {
  it('lists leaves in array order then sorted record keys (JAX order), with readable paths', () => {
    const t = nested();
    expect(treeLeaves(t).map((e) => e.path)).toEqual(['a', 'layers[0].w', 'layers[1].b', 'layers[1].w']);
    expect(treeFlatten(t).map((x) => x.size)).toEqual([2, 4, 1, 4]);
    expect(treeLeaves(tf.scalar(1) as Tree)[0].path).toBe('');
    treeDispose(t);
  });

  it('names the path of a leaf that is not a tensor', () => {
    expect(() => treeLeaves({ a: { b: 3 } } as unknown as Tree)).toThrow(/'a\.b' is number 3/);
    expect(() => treeLeaves([null] as unknown as Tree)).toThrow(BasinError);
  });

  it('round-trips through unflatten and rejects the wrong number of leaves', () => {
    const t = nested();
    const back = treeUnflatten(t, treeFlatten(t));
    expect(leafValues(back)).toEqual(leafValues(t));
    expect(() => treeUnflatten(t, treeFlatten(t).slice(1))).toThrow(/got 3 leaves/);
    const spare = tf.scalar(0);
    expect(() => treeUnflatten(t, [...treeFlatten(t), spare])).toThrow(/got 5 leaves, the tree has 4/);
    spare.dispose();
    treeDispose(t);
  });

  it('spells the root path <root>', () => {
    expect(describePath('')).toBe('<root>');
    expect(describePath('a.b')).toBe("'a.b'");
  });
});

describe('assertSameStructure', () => {
  const base = () => ({ w: tf.zeros([2, 3]), sub: { b: tf.zeros([3]) }, list: [tf.zeros([1])] });

  it('accepts equal structures and names the first difference otherwise', () => tf.tidy(() => {
    const a = base();
    const b = base();
    expect(() => assertSameStructure(a, b)).not.toThrow();
    expect(() => assertSameStructure(a, { ...b, extra: tf.zeros([1]) }, ['params', 'grads'])).toThrow(
      /grads does not match params at <root>: unexpected \{extra\}/,
    );
    expect(() => assertSameStructure(a, { w: b.w, list: b.list } as Tree, ['params', 'grads'])).toThrow(/missing \{sub\}/);
    expect(() => assertSameStructure(a, { ...b, sub: { b: tf.zeros([4]) } }, ['params', 'grads'])).toThrow(
      /at 'sub\.b': expected shape \[3\], got \[4\]/,
    );
    expect(() => assertSameStructure(a, { ...b, list: [] }, ['params', 'grads'])).toThrow(/at 'list': expected an array of length 1/);
    expect(() => assertSameStructure(a, { ...b, w: [tf.zeros([1])] } as unknown as Tree)).toThrow(/at 'w': expected a tensor of shape \[2, 3\]/);
    expect(() => assertSameStructure(a, { ...b, sub: tf.zeros([1]) } as unknown as Tree)).toThrow(/at 'sub': expected a record/);
  }));

  it('can ignore shapes', () => tf.tidy(() => {
    expect(() => assertSameStructure({ w: tf.zeros([2]) }, { w: tf.zeros([3]) }, ['a', 'b'], { checkShapes: false })).not.toThrow();
  }));
});

describe('treeMap', () => {
  it('maps several trees leaf by leaf and keeps the first tree\'s structure', () => {
    const a = nested();
    const b = nested();
    const out = treeMap((x, y) => tf.mul(x, y), a, b);
    expect(leafValues(out)).toEqual({ a: [1, 4], 'layers[0].w': [1, 4, 9, 16], 'layers[1].w': [25, 36, 49, 64], 'layers[1].b': [81] });
    treeDispose([a, b, out]);
  });

  it('throws a BasinError naming the path of a mismatched tree, and creates nothing', () => {
    const a = nested();
    const b: Tree = { a: tf.tensor1d([1, 2]), layers: [{ w: tf.zeros([2, 2]) }, { w: tf.zeros([2, 3]), b: tf.scalar(0) }] };
    expectBasinError(() => treeMap((x, y) => tf.add(x, y), a, b), /tree 1 does not match tree 0 at 'layers\[1\]\.w': expected shape \[2, 2\], got \[2, 3\]/);
    treeDispose([a, b]);
  });

  it('treeMapWithPath hands each leaf its path', () => {
    const t = nested();
    const paths = treeMapWithPath((_, p) => p, t);
    expect(paths).toEqual({ a: 'a', layers: [{ w: 'layers[0].w' }, { w: 'layers[1].w', b: 'layers[1].b' }] });
    treeDispose(t);
  });
});

describe('tree arithmetic', () => {
  const x = () => ({ u: tf.tensor1d([1, -2, 3]), v: tf.tensor2d([0.5, 4], [1, 2]) });
  const y = () => ({ u: tf.tensor1d([2, 2, -1]), v: tf.tensor2d([1, -3], [1, 2]) });

  it('add, sub, scale and addScaled', () => {
    const [a, b] = [x(), y()];
    const sum = treeAdd(a, b);
    const diff = treeSub(a, b);
    const scaled = treeScale(a, -2);
    const scaledByTensor = treeScale(a, tf.scalar(0.5));
    const axpy = treeAddScaled(a, b, 3);
    expect(leafValues(sum)).toEqual({ u: [3, 0, 2], v: [1.5, 1] });
    expect(leafValues(diff)).toEqual({ u: [-1, -4, 4], v: [-0.5, 7] });
    expect(leafValues(scaled)).toEqual({ u: [-2, 4, -6], v: [-1, -8] });
    expect(leafValues(scaledByTensor)).toEqual({ u: [0.5, -1, 1.5], v: [0.25, 2] });
    expect(leafValues(axpy)).toEqual({ u: [7, 4, 0], v: [3.5, -5] });
    expect(() => treeAdd(a, { u: b.u })).toThrow(/missing \{v\}/);
    treeDispose([a, b, sum, diff, scaled, scaledByTensor, axpy]);
  });

  it('dot, sum of squares and global norm over all leaves (float64 reference)', () => {
    const [a, b] = [x(), y()];
    const dot = treeDot(a, b);
    const ss = treeSumOfSquares(a);
    const norm = treeGlobalNorm(a);
    // 1*2 - 2*2 + 3*-1 + 0.5*1 + 4*-3 = -16.5 ; 1 + 4 + 9 + 0.25 + 16 = 30.25
    expectClose(vals(dot), [-16.5]);
    expectClose(vals(ss), [30.25]);
    expectClose(vals(norm), [5.5]);
    expect(dot.rank).toBe(0);
    expect(() => treeDot(a, { u: b.u, v: tf.zeros([2]) })).toThrow(/'v': expected shape \[1, 2\], got \[2\]/);
    treeDispose([a, b, dot, ss, norm]);
  });

  it('leaves empty leaves out of norms and dots (tf.sum of a size-0 tensor fails on WebGL)', async () => {
    const a = { u: tf.tensor1d([3, -4]), e: tf.zeros([0, 3]), v: [tf.zeros([2, 0])] };
    // The composed ops (fused updates off), as on webgl: no kernel may see an empty input.
    const run = () => withFusedUpdates(false, () => [treeGlobalNorm(a), treeSumOfSquares(a), treeDot(a, a)]);
    const profile = await tf.profile(() => tf.dispose(run()));
    const empties = profile.kernels.filter((k) => k.inputShapes.some((s) => s !== undefined && s.includes(0)));
    expect(empties.map((k) => k.name)).toEqual([]);
    const [norm, ss, dot] = run();
    expect([vals(norm), vals(ss), vals(dot)]).toEqual([[5], [25], [25]]);
    const only = { e: tf.zeros([0]) };
    const zero = withFusedUpdates(false, () => treeGlobalNorm(only));
    expect(vals(zero)).toEqual([0]);
    treeDispose([a, norm, ss, dot, only, zero]);
  });

  it('handles empty trees (zero norm, zero dot, empty vector)', () => {
    const norm = treeGlobalNorm({});
    const dot = treeDot([], []);
    const v = treeToVector({});
    expect(vals(norm)).toEqual([0]);
    expect(vals(dot)).toEqual([0]);
    expect(v.shape).toEqual([0]);
    const back = treeFromVector(v, {});
    expect(back).toEqual({});
    tf.dispose([norm, dot, v]);
  });

  it('is tidy: arithmetic leaks nothing beyond its results', () => {
    const [a, b] = [x(), y()];
    expectNoLeak(() => {
      const out = [treeAdd(a, b), treeSub(a, b), treeScale(a, 2), treeAddScaled(a, b, 0.5), treeDot(a, b), treeGlobalNorm(a), treeToVector(a)];
      treeDispose(out);
    });
    treeDispose([a, b]);
  });
});

describe('zeros/ones/clone', () => {
  it('makes new tensors shaped like the leaves', () => {
    const t = nested();
    const z = treeZerosLike(t);
    const o = treeOnesLike(t);
    const c = treeClone(t);
    expect(leafValues(z)).toEqual({ a: [0, 0], 'layers[0].w': [0, 0, 0, 0], 'layers[1].w': [0, 0, 0, 0], 'layers[1].b': [0] });
    expect(leafValues(o)['layers[1].w']).toEqual([1, 1, 1, 1]);
    expect(treeFlatten(z).map((l) => l.shape)).toEqual(treeFlatten(t).map((l) => l.shape));
    // A clone is a different tensor that survives disposing the original.
    const before = leafValues(t);
    for (const leaf of treeFlatten(c)) expect(collectTensors(t).has(leaf)).toBe(false);
    treeDispose(t);
    expect(leafValues(c)).toEqual(before);
    treeDispose([z, o, c]);
  });
});

describe('treeToVector / treeFromVector', () => {
  it('round-trips exactly, row-major in leaf order', () => {
    const t = { w: tf.tensor2d(seeded(1, 6), [2, 3]), b: tf.tensor1d(seeded(2, 3)), s: [tf.scalar(7)] };
    const v = treeToVector(t);
    expect(v.shape).toEqual([10]);
    expect(vals(v)).toEqual([...vals(t.b), 7, ...vals(t.w)]); // sorted keys: b, s, w
    expect(treeSize(t)).toBe(10);
    const back = treeFromVector(v, t);
    expect(leafValues(back)).toEqual(leafValues(t));
    expect(treeFlatten(back).map((l) => l.shape)).toEqual([[3], [], [2, 3]]);
    treeDispose([t, v, back]);
  });

  it('rejects a vector of the wrong length or rank without leaking', () => {
    const t = { w: tf.zeros([2, 2]) };
    const short = tf.zeros([3]);
    const matrix = tf.zeros([2, 2]);
    expectBasinError(() => treeFromVector(short, t), /vector has shape \[3\]; the tree needs a vector of length 4/);
    expectBasinError(() => treeFromVector(matrix, t), /shape \[2, 2\]/);
    tf.dispose([t.w, short, matrix]);
  });

  it('does not leak', () => {
    const t = nested();
    expectNoLeak(() => {
      const v = treeToVector(t);
      const back = treeFromVector(v, t);
      treeDispose([v, back]);
    });
    treeDispose(t);
  });
});

describe('treeDispose / collectTensors / disposeReplaced', () => {
  it('treeDispose disposes tensors in any nested structure and ignores other values', () => {
    const a = tf.zeros([1]);
    const b = tf.zeros([2]);
    const before = tf.memory().numTensors;
    treeDispose({ count: 3, inner: [a, { b, flag: true, none: undefined, nil: null }] });
    expect(a.isDisposed && b.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before - 2);
  });

  it('collectTensors finds each tensor once', () => {
    const a = tf.zeros([1]);
    const found = collectTensors({ x: a, y: [a, { z: a }], n: 1 });
    expect(found.size).toBe(1);
    expect(isTensor(a)).toBe(true);
    expect(isTensor({})).toBe(false);
    a.dispose();
  });

  it('disposeReplaced disposes only what the new structures do not keep', () => {
    const kept = tf.zeros([1]);
    const replaced = tf.zeros([1]);
    const fresh = tf.zeros([1]);
    disposeReplaced({ m: kept, v: replaced }, { m: kept, v: fresh });
    expect(kept.isDisposed).toBe(false);
    expect(replaced.isDisposed).toBe(true);
    expect(fresh.isDisposed).toBe(false);
    tf.dispose([kept, fresh]);
  });
});

describe('canonical key order', () => {
  it('pairs leaves by key whatever the insertion order (the issue: treeMap subtracted b from a)', () => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([10, 20]);
    const x = { a, b };
    const y = { b: tf.tensor1d([5, 5]), a: tf.tensor1d([1, 1]) };
    const d = treeMap((p, q) => tf.sub(p, q), x, y) as { a: tf.Tensor; b: tf.Tensor };
    expect(Object.keys(d)).toEqual(['a', 'b']);
    expect(vals(d.a)).toEqual([0, 1]);
    expect(vals(d.b)).toEqual([5, 15]);
    treeDispose([x, y, d]);
  });

  it("keeps a record key named '__proto__' as an own key when rebuilding", () => {
    const t: Record<string, tf.Tensor> = {};
    Object.defineProperty(t, '__proto__', { value: tf.scalar(3), enumerable: true, writable: true, configurable: true });
    t.w = tf.scalar(4);
    const c = treeClone(t) as Record<string, tf.Tensor>;
    expect(Object.keys(c)).toEqual(['__proto__', 'w']);
    expect(treeLeaves(c).map((e) => e.path)).toEqual(['__proto__', 'w']);
    expect(vals(Object.getOwnPropertyDescriptor(c, '__proto__')!.value as tf.Tensor)).toEqual([3]);
    treeDispose([t, c]);
  });
});
