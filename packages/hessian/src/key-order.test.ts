// Valid input in any key order gives the same answer: trees are paired by path (Basin's canonical
// order sorts record keys, as JAX does), never by the order their keys were inserted.
import { expectClose, tf } from '@basin/testing';
import { treeDispose, treeToVector, type Tree } from '@basin/core';
import { hessian, hvp } from './hessian';
import { functionObjective } from './objective';
import { topEigenvalues } from './spectrum/eigen';
import { hutchinsonTrace } from './spectrum/trace';
import { epsilonSharpness } from './sharpness/epsilon-sharpness';
import { directionalSharpness } from './sharpness/directional-sharpness';
import { filterNormalizedDirection } from './landscape/directions';
import { linearPath, lossSlice1D, lossSlice2D } from './landscape/slices';

// A non-quadratic loss that reads its leaves by key: tanh network-ish coupling of all three.
type P = { w: tf.Tensor; b: tf.Tensor; a: tf.Tensor };
const loss = (p: Tree, batch: { x: tf.Tensor }): tf.Scalar =>
  tf.tidy(() => {
    const { w, b, a } = p as P;
    const h = tf.tanh(tf.add(tf.matMul(batch.x, w), b));
    return tf.add(tf.mean(tf.square(tf.sub(h, a))), tf.mul(0.1, tf.sum(tf.pow(a, 4)))) as tf.Scalar;
  });
const values = { w: [0.3, -0.2, 0.5, 0.1, -0.4, 0.2], b: [0.1, -0.3], a: [0.2, 0.05] };
const make = (order: (keyof P)[], scale = 1): Tree => Object.fromEntries(order.map((k) => [k, tf.tensor(values[k].map((v, i) => scale * v + 0.01 * i), k === 'w' ? [3, 2] : [2])]));
const flat = (t: Tree): number[] => {
  const v = treeToVector(t);
  const out = Array.from(v.dataSync());
  v.dispose();
  return out;
};
const byKey = (t: Tree): Record<string, number[]> => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('key order never changes an answer', () => {
  const batch = { x: tf.randomNormal([5, 3], 0, 1, 'float32', 4) };
  const inOrder = make(['w', 'b', 'a']);
  const backwards = make(['a', 'b', 'w']);
  const vIn = make(['w', 'b', 'a'], -0.7);
  const vBack = make(['b', 'a', 'w'], -0.7);
  const objIn = functionObjective(loss, inOrder, { batch });
  const objBack = functionObjective(loss, backwards, { batch });
  afterAll(() => treeDispose([batch, inOrder, backwards, vIn, vBack]));

  it.each(['exact', 'finiteDifference'] as const)('%s HVP: a vector listing its keys in another order than the params gives the same H v, keyed like the params', (mode) => {
    const H = hessian(objIn, { mode });
    const a = H.hvp(vIn);
    const b = H.hvp(vBack);
    expect(Object.keys(b)).toEqual(['w', 'b', 'a']);
    expect(byKey(b)).toEqual(byKey(a));
    const c = hessian(objBack, { mode }).hvp(vIn);
    expect(Object.keys(c)).toEqual(['a', 'b', 'w']);
    expectClose(flat(c), flat(a), mode === 'exact' ? 0 : 1e-6);
    treeDispose([a, b, c]);
  });

  it('hvp(): params and vector in different orders', () => {
    const a = hvp(loss, inOrder, vIn, batch);
    const b = hvp(loss, backwards, vBack, batch);
    expect(byKey(b)).toEqual(byKey(a));
    treeDispose([a, b]);
  });

  it('flat vectors are in the canonical (sorted-key) order whatever the insertion order', () => {
    const v = treeToVector(vBack);
    const m1 = hessian(objIn).matvec(v);
    const m2 = hessian(objBack).matvec(v);
    expect(Array.from(m2.dataSync())).toEqual(Array.from(m1.dataSync()));
    // The canonical order is a, b, w (sorted), as JAX's ravel_pytree.
    expect(Array.from(v.dataSync())).toEqual([...(vIn as P).a.dataSync(), ...(vIn as P).b.dataSync(), ...(vIn as P).w.dataSync()]);
    tf.dispose([v, m1, m2]);
  });

  it('eigenvalues, eigenvectors and traces agree', () => {
    const e1 = topEigenvalues(hessian(objIn), { k: 2, tol: 1e-6, maxIterations: 10 });
    const e2 = topEigenvalues(hessian(objBack), { k: 2, tol: 1e-6, maxIterations: 10 });
    expect(e2.values).toEqual(e1.values);
    e1.vectors.forEach((u, i) => expect(Array.from(e2.vectors[i].dataSync())).toEqual(Array.from(u.dataSync())));
    expect(hutchinsonTrace(hessian(objBack), { samples: 4 }).trace).toBe(hutchinsonTrace(hessian(objIn), { samples: 4 }).trace);
    tf.dispose([...e1.vectors, ...e2.vectors]);
  });

  it('sharpness measures agree (their random draws follow the canonical order)', () => {
    expect(epsilonSharpness(objBack, { iterations: 3 })).toEqual(epsilonSharpness(objIn, { iterations: 3 }));
    expect(directionalSharpness(objBack, { iterations: 2, samples: 3 })).toEqual(directionalSharpness(objIn, { iterations: 2, samples: 3 }));
  });

  it('slices and directions agree', () => {
    expect(lossSlice1D(objIn, vBack, { points: 3 })).toEqual(lossSlice1D(objIn, vIn, { points: 3 }));
    expect(lossSlice2D(objIn, vBack, vIn, { points: 3 })).toEqual(lossSlice2D(objIn, vIn, vIn, { points: 3 }));
    expect(linearPath(objIn, backwards, vBack, { points: 3 })).toEqual(linearPath(objIn, inOrder, vIn, { points: 3 }));
    const d1 = filterNormalizedDirection(inOrder, { seed: 2, vectors: 'normalize' });
    const d2 = filterNormalizedDirection(backwards, { seed: 2, vectors: 'normalize' });
    expect(Object.keys(d2)).toEqual(['a', 'b', 'w']);
    expect(byKey(d2)).toEqual(byKey(d1));
    treeDispose([d1, d2]);
  });
});
