// Checks shared by the tests of optax's aliases and their transforms: optax's own convergence
// problems (optax/_src/alias_test.py, `_setup_parabola` and `_setup_rosenbrock`: every alias must
// bring the params within rtol = atol = 3e-2 of the minimiser after 10000 steps at the learning
// rate listed in `_OPTIMIZERS_UNDER_TEST`), key-order independence, and a float64
// `clip_by_global_norm` for references of `chain(clipByGlobalNorm(1), ...)`.
import { tf } from '@basin/testing';
import type { Transform } from '../src/transform';
import { applyUpdates } from '../src/transforms/apply-updates';
import { Tree, treeDispose } from '../src/tree';
import { makeTree, runTransform } from '.';

export interface OptaxProblem {
  name: string;
  init: number[];
  minimiser: number[];
  /** The objective's gradient in float64, at float32 params read back from the tensor. */
  grad: (p: number[]) => number[];
}

/** `sum((p - [1, -1, 1])^2)` from `[-1, 10, 1]`. */
export const parabola: OptaxProblem = {
  name: 'parabola',
  init: [-1, 10, 1],
  minimiser: [1, -1, 1],
  grad: (p) => p.map((x, i) => 2 * (x - parabola.minimiser[i])),
};

/** Rosenbrock `(a - x)^2 + b (y - x^2)^2` with a = 1, b = 100, from `[0, 0]`. */
export const rosenbrock: OptaxProblem = {
  name: 'rosenbrock',
  init: [0, 0],
  minimiser: [1, 1],
  grad: ([x, y]) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
};

export const optaxProblems = [parabola, rosenbrock];

/**
 * Runs `transform` on `problem` for `steps` steps as optax's test does (params a single float32
 * vector, `applyUpdates` after each update) and returns the final params.
 */
export function solveOptaxProblem(transform: Transform<any>, problem: OptaxProblem, steps = 10000): number[] {
  let params: Tree = tf.tensor1d(problem.init);
  let state = transform.init(params);
  for (let k = 0; k < steps; k++) {
    const g = tf.tensor1d(problem.grad(Array.from((params as tf.Tensor).dataSync())));
    const [u, next] = transform.update(g, state, params);
    const moved = applyUpdates(params, u);
    treeDispose([g, u, state, params]);
    params = moved;
    state = next;
  }
  const out = Array.from((params as tf.Tensor).dataSync());
  treeDispose([params, state]);
  return out;
}

/** optax's `chex.assert_trees_all_close(params, final_params, rtol=3e-2, atol=3e-2)`. */
export function expectSolved(params: number[], problem: OptaxProblem, tol = 3e-2): void {
  expect(params.length).toBe(problem.minimiser.length);
  problem.minimiser.forEach((target, i) => {
    if (!(Math.abs(params[i] - target) <= tol + tol * Math.abs(target))) {
      throw new Error(`${problem.name}: entry ${i} is ${params[i]}, expected ${target} within atol = rtol = ${tol}`);
    }
  });
}

/** The same tree with every record's keys inserted in reverse order (the leaves are shared). */
export function reversedKeys<T>(tree: T): T {
  if (tree instanceof tf.Tensor || tree === null || typeof tree !== 'object') return tree;
  if (Array.isArray(tree)) return tree.map((x) => reversedKeys(x)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(tree).reverse()) out[key] = reversedKeys((tree as Record<string, unknown>)[key]);
  return out as T;
}

/**
 * Runs a fresh transform from `make` for `steps` steps on makeTree params and gradients, then
 * again on the same trees built with every record's keys in reverse insertion order, and expects
 * bit-identical updates at every step (leaves pair by path, never by insertion order).
 */
export function expectKeyOrderIndependent(make: () => Transform<any>, steps = 4, seed = 300): void {
  const params = makeTree(seed);
  const grads = (k: number) => makeTree(seed + 1 + k);
  const straight = runTransform(make(), params, grads, steps);
  const reversed = runTransform(make(), reversedKeys(params), (k) => reversedKeys(grads(k)), steps);
  expect(Object.keys(reversed[0])).toEqual(Object.keys(straight[0]));
  expect(reversed).toEqual(straight);
  treeDispose(params);
}

/**
 * optax's `clip_by_global_norm` in float64 on leafValues records: every leaf scaled by
 * `maxNorm / ||g||` when the global norm exceeds `maxNorm`.
 */
export function clipByGlobalNorm64(grads: Record<string, number[]>[], maxNorm: number): Record<string, number[]>[] {
  return grads.map((tree) => {
    const norm = Math.sqrt(Object.values(tree).flat().reduce((s, x) => s + x * x, 0));
    const factor = norm < maxNorm ? 1 : maxNorm / norm;
    return Object.fromEntries(Object.entries(tree).map(([path, values]) => [path, values.map((x) => x * factor)]));
  });
}
