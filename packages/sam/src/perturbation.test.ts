import { tf, expectClose } from '@basin/testing';
import type { Tree } from '@basin/core';
import { ascentPerturbation } from './perturbation';
import { checkPerturbationOptions } from './options';
import { perturbed } from './sam';

type T = Record<string, tf.Tensor>;
const resolved = (o: Parameters<typeof checkPerturbationOptions>[1] & { rho?: number }) => {
  const r = checkPerturbationOptions('test', o);
  return { ...r, rho: r.rho as number };
};
const read = (tree: Tree): number[] => {
  const t = tree as T;
  return [...t.a.dataSync(), ...t.b.dataSync()];
};
const grads = (a: number[], b: number[]): T => ({ a: tf.tensor1d(a), b: tf.tensor1d(b) });

// Float64 reference for 1 < p < Infinity: rho * sign(g)|g|^(q-1) / (sum |g|^q)^(1/p).
function dualReference(g: number[], p: number, rho: number): number[] {
  const q = p / (p - 1);
  const s = Math.pow(g.reduce((acc, x) => acc + Math.pow(Math.abs(x), q), 0), 1 / p);
  return g.map((x) => (rho * Math.sign(x) * Math.pow(Math.abs(x), q - 1)) / s);
}
const pNorm = (x: number[], p: number) => Math.pow(x.reduce((a, v) => a + Math.pow(Math.abs(v), p), 0), 1 / p);

describe('ascentPerturbation', () => {
  it('p = 2: rho * g / ||g||_2 with the norm global over the tree', () => {
    const g = grads([3, 0], [4]);
    const eps = ascentPerturbation(g, resolved({ rho: 0.5 }));
    expectClose(read(eps), [0.3, 0, 0.4], 1e-6);
  });

  it('p = Infinity: rho * sign(g), zero entries stay zero', () => {
    const g = grads([3, 0, -2e-7], [0.5]);
    const eps = ascentPerturbation(g, resolved({ rho: 0.1, p: Infinity }));
    expectClose(read(eps), [0.1, 0, -0.1, 0.1], 1e-7);
  });

  it('p = 1: the whole step on the largest |g| entry, shared among ties', () => {
    const one = ascentPerturbation(grads([1, -5], [2]), resolved({ rho: 0.2, p: 1 }));
    expectClose(read(one), [0, -0.2, 0], 1e-7);
    const tie = ascentPerturbation(grads([1, -5], [5, 2]), resolved({ rho: 0.2, p: 1 }));
    expectClose(read(tie), [0, -0.1, 0.1, 0], 1e-7);
  });

  it.each([1.5, 3, 7])('p = %p: matches the float64 formula, has p-norm rho and attains Hoelder equality', (p) => {
    const a = [0.3, -1.2, 0.05];
    const b = [2.1, -0.7];
    const rho = 0.3;
    const eps = read(ascentPerturbation(grads(a, b), resolved({ rho, p })));
    const g = [...a, ...b];
    expectClose(eps, dualReference(g, p, rho), 1e-5);
    // The maximiser of <g, e> over ||e||_p <= rho: ||e||_p = rho and <g, e> = rho ||g||_q.
    expectClose([pNorm(eps, p)], [rho], 1e-5);
    const dot = eps.reduce((acc, e, i) => acc + e * g[i], 0);
    expectClose([dot], [rho * pNorm(g, p / (p - 1))], 1e-5);
  });

  it('p near 1 with large gradients stays finite (the formula is scaled by max|g| first)', () => {
    const eps = read(ascentPerturbation(grads([3e12, -1e12], [2e12]), resolved({ rho: 1, p: 1.1 })));
    expect(eps.every(Number.isFinite)).toBe(true);
    expectClose([pNorm(eps, 1.1)], [1], 1e-4);
  });

  it.each([
    ['p = 2', { p: 2 }],
    ['p = 1', { p: 1 }],
    ['p = 3', { p: 3 }],
    ['p = Infinity', { p: Infinity }],
    ['unnormalised', { normalize: false }],
    ['adaptive', { adaptive: true }],
  ])('a zero gradient gives a zero step, never NaN (%s)', (_, o) => {
    const params = grads([1, -2], [3]);
    const eps = read(ascentPerturbation(grads([0, 0], [0]), resolved({ rho: 0.5, ...o }), params));
    expect(eps).toEqual([0, 0, 0]);
  });

  it('unnormalised SAM: rho * g', () => {
    const eps = ascentPerturbation(grads([3, 0], [-4]), resolved({ rho: 0.5, normalize: false }));
    expectClose(read(eps), [1.5, 0, -2], 1e-7);
  });

  it('adaptive (ASAM): rho * T^2 g / ||T g||_2 with T = |w| + eta, as in Kwon et al. eq. 10', () => {
    const w = [0.5, -2, 0];
    const g = [1, 0.5, -3];
    const eta = 0.01;
    const rho = 0.5;
    const t = w.map((x) => Math.abs(x) + eta);
    const tg = g.map((x, i) => x * t[i]);
    const norm = Math.hypot(...tg);
    const expected = g.map((x, i) => (rho * t[i] * t[i] * x) / norm);
    const eps = ascentPerturbation(grads(g.slice(0, 2), g.slice(2)), resolved({ rho, adaptive: true, eta }), grads(w.slice(0, 2), w.slice(2)));
    expectClose(read(eps), expected, 1e-6);
    // Unnormalised ASAM: rho * T^2 g.
    const raw = ascentPerturbation(grads(g.slice(0, 2), g.slice(2)), resolved({ rho, adaptive: true, normalize: false, eta }), grads(w.slice(0, 2), w.slice(2)));
    expectClose(read(raw), g.map((x, i) => rho * t[i] * t[i] * x), 1e-6);
  });

  it('leaves its inputs alone and leaks nothing', () => {
    const g = grads([1, 2], [3]);
    const before = tf.memory().numTensors;
    for (const p of [1, 2, 3, Infinity]) tf.dispose(Object.values(ascentPerturbation(g, resolved({ p })) as T));
    expect(tf.memory().numTensors).toBe(before);
    expect(read(g)).toEqual([1, 2, 3]);
  });

  it('rejects invalid options naming the parameter', () => {
    expect(() => checkPerturbationOptions('sam', { p: 0.5 })).toThrow(/sam: p must be a number >= 1/);
    expect(() => checkPerturbationOptions('sam', { rho: -1 })).toThrow(/sam: rho/);
    expect(() => checkPerturbationOptions('sam', { rho: NaN })).toThrow(/sam: rho must be a finite number/);
    expect(() => checkPerturbationOptions('sam', { eta: -0.1 })).toThrow(/sam: eta/);
  });

  it.each([
    ['p = 2', { rho: 0.3 }],
    ['unnormalised', { rho: 0.3, normalize: false }],
    ['p = 3', { rho: 0.3, p: 3 }],
    ['adaptive', { rho: 0.3, adaptive: true }],
  ])('perturbed(g, w) is w + ascentPerturbation(g) (%s)', (_, o) => {
    const g = grads([0.5, -2], [1]);
    const w = grads([1, 2], [-3]);
    const r = resolved(o);
    const expected = read(w).map((x, i) => x + read(ascentPerturbation(g, r, w))[i]);
    expectClose(read(perturbed(g, w, r)), expected, 1e-6);
    expect(read(perturbed(grads([0, 0], [0]), w, r))).toEqual(read(w));
  });

  it.each([
    ['p = 2', { rho: 0.3 }],
    ['p = 1', { rho: 0.3, p: 1 }],
    ['p = 3, adaptive', { rho: 0.3, p: 3, adaptive: true }],
  ])('pairs grads and params by key, whatever their key order (%s)', (_, o) => {
    const r = resolved(o);
    const flip = (t: T): T => ({ b: t.b, a: t.a });
    const g = grads([0.5, -2], [1]);
    const w = grads([1, 2], [-3]);
    const expectedEps = read(ascentPerturbation(g, r, w));
    const expectedW = read(perturbed(g, w, r));
    expect(read(ascentPerturbation(flip(g), r, w))).toEqual(expectedEps);
    expect(read(ascentPerturbation(g, r, flip(w)))).toEqual(expectedEps);
    expect(read(perturbed(flip(g), w, r))).toEqual(expectedW);
    expect(read(perturbed(g, flip(w), r))).toEqual(expectedW);
  });

  it('fills options left out with sam\'s defaults (p = 2, normalized)', () => {
    const g = grads([3, 0], [4]);
    expectClose(read(ascentPerturbation(g, { rho: 0.5 })), [0.3, 0, 0.4], 1e-6);
  });
});
