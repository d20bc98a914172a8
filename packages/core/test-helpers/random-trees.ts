// Random trees for core's property tests (fast-check): a tree is generated as a structure spec
// (nested records and arrays with random keys, leaves with random shapes), then built as tensors
// with record keys in canonical (sorted) order or in a shuffled order, with the same values at
// the same paths. Results are compared path by path, bit for bit.
import fc from 'fast-check';
import { tf } from '@basin/testing';
import { isTensor, sortedKeys, Tree, TreeOf, treeLeaves } from '../src/tree';
import { seeded } from '.';

/** The structure of a tree without its values. */
export type TreeSpec =
  | { kind: 'leaf'; shape: number[] }
  | { kind: 'array'; items: TreeSpec[] }
  | { kind: 'record'; entries: Record<string, TreeSpec> };

/** The fixed seed every property of core's suites runs with, so CI is deterministic. */
export const PROPERTY_SEED = 20240610;

/**
 * Record keys: identifiers, digits-only keys (which JavaScript always enumerates first, in
 * numeric order, whatever the insertion order), `$` and `_`; never `.` or `[` (paths would
 * collide) nor `__proto__`.
 */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,3}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,2}$/) },
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'A', 'B', 'Z', '_', '$', 'aa', 'ab', 'b1', 'B1', '10', '2') },
);

/** Shapes of rank 0 to 3 with small dimensions; a zero dimension occasionally. */
export const shapeArb: fc.Arbitrary<number[]> = fc.array(
  fc.oneof({ weight: 40, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  { maxLength: 3 },
);

const leafSpec: fc.Arbitrary<TreeSpec> = shapeArb.map((shape) => ({ kind: 'leaf', shape }));

/** A record spec with unique random keys built from `child`. */
function recordOf(child: fc.Arbitrary<TreeSpec>, minLength = 0, maxLength = 4): fc.Arbitrary<TreeSpec> {
  return fc
    .uniqueArray(fc.tuple(keyArb, child), { selector: (e) => e[0], minLength, maxLength })
    .map((entries) => ({ kind: 'record', entries: Object.fromEntries(entries) }) as TreeSpec);
}

/**
 * Random tree specs: a record of one to four entries at the root (or, now and then, a bare
 * leaf), with nested records (empty ones included) and arrays (empty ones included) up to three
 * levels deep; at most ten leaves, so that a property run stays fast.
 */
export const treeSpecArb: fc.Arbitrary<TreeSpec> = fc.letrec<{ node: TreeSpec; array: TreeSpec; record: TreeSpec; root: TreeSpec }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 3 }, leafSpec, leafSpec, tie('record'), tie('array')),
  array: fc.array(tie('node'), { maxLength: 2 }).map((items) => ({ kind: 'array', items }) as TreeSpec),
  record: recordOf(tie('node'), 0, 3),
  root: fc.oneof({ weight: 1, arbitrary: leafSpec }, { weight: 12, arbitrary: recordOf(tie('node'), 1, 4) }),
})).root.filter((s) => specPaths(s).length <= 10);

/** Specs without zero-size leaves (for helpers that read every leaf's values back). */
export const denseTreeSpecArb: fc.Arbitrary<TreeSpec> = treeSpecArb.filter((s) => specPaths(s).every((e) => !e.shape.includes(0)));

/** Paths of the leaves of a spec in canonical order (as `treeLeaves` spells them). */
export function specPaths(spec: TreeSpec): { path: string; shape: number[] }[] {
  const out: { path: string; shape: number[] }[] = [];
  const visit = (s: TreeSpec, path: string): void => {
    if (s.kind === 'leaf') out.push({ path, shape: s.shape });
    else if (s.kind === 'array') s.items.forEach((c, i) => visit(c, `${path}[${i}]`));
    else for (const k of sortedKeys(s.entries)) visit(s.entries[k], path === '' ? k : `${path}.${k}`);
  };
  visit(spec, '');
  return out;
}

export function specLeafCount(spec: TreeSpec): number {
  return specPaths(spec).length;
}

/** A small deterministic generator (mulberry32) for key orders. */
export function orderRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys in canonical order (`order` undefined) or in an order drawn from `order`. */
function keysInOrder(record: object, order: (() => number) | undefined): string[] {
  const keys = sortedKeys(record);
  if (order === undefined) return keys;
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(order() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  // Reverse now and then, so two-key records are often inserted in the non-canonical order.
  return order() < 0.5 ? keys.reverse() : keys;
}

/**
 * Builds a tree with the structure of `spec`, the leaf at each path made by `leaf(path, shape)`,
 * inserting record keys in canonical order (`orderSeed` undefined) or in a shuffled order.
 */
export function buildFromSpec<L>(spec: TreeSpec, leaf: (path: string, shape: number[]) => L, orderSeed?: number): TreeOf<L> {
  const order = orderSeed === undefined ? undefined : orderRng(orderSeed);
  const build = (s: TreeSpec, path: string): TreeOf<L> => {
    if (s.kind === 'leaf') return leaf(path, s.shape);
    if (s.kind === 'array') return s.items.map((c, i) => build(c, `${path}[${i}]`));
    const out: Record<string, TreeOf<L>> = {};
    for (const k of keysInOrder(s.entries, order)) out[k] = build(s.entries[k], path === '' ? k : `${path}.${k}`);
    return out;
  };
  return build(spec, '');
}

/** A stable hash of a string (FNV-1a), to derive per-path values independent of key order. */
export function hashPath(path: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < path.length; i++) {
    h ^= path.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A float32 tensor tree for `spec`: the values at each path depend only on `seed` and the path. */
export function tensorTree(spec: TreeSpec, seed: number, orderSeed?: number, scale = 1): Tree {
  return buildFromSpec(spec, (path, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(seeded(hashPath(path, seed) % 100000, n, scale), shape, 'float32');
  }, orderSeed) as Tree;
}

/** A label tree for `spec` (booleans or strings), the label at each path fixed by `seed` and the path. */
export function labelTree<L>(spec: TreeSpec, seed: number, labels: readonly L[], orderSeed?: number): TreeOf<L> {
  return buildFromSpec(spec, (path) => labels[hashPath(path, seed) % labels.length], orderSeed);
}

/** The bits of a tensor's data (float32 compared bit for bit: NaN payloads and -0 included). */
export function bitsOf(t: tf.Tensor): number[] {
  const d = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  if (d instanceof Uint8Array) return Array.from(d);
  return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
}

/** A tree's leaves by path: shape, dtype and bits. */
export function bitsByPath(tree: Tree): Record<string, { shape: number[]; dtype: string; bits: number[] }> {
  return Object.fromEntries(treeLeaves(tree).map((e) => [e.path, { shape: [...e.leaf.shape], dtype: e.leaf.dtype, bits: bitsOf(e.leaf) }]));
}

/**
 * Any state as plain data with record keys sorted: tensors as shape, dtype and bits; numbers as
 * strings (so NaN and -0 compare exactly); functions as a marker. Two states that hold the same
 * values at the same paths give equal results whatever their key order.
 */
export function canonicalData(x: unknown): unknown {
  if (isTensor(x)) return { $tensor: { shape: [...x.shape], dtype: x.dtype, bits: bitsOf(x) } };
  if (Array.isArray(x)) return x.map(canonicalData);
  if (typeof x === 'number') return { $number: Object.is(x, -0) ? '-0' : String(x) };
  if (typeof x === 'function') return { $function: true };
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(sortedKeys(x).map((k) => [k, canonicalData((x as Record<string, unknown>)[k])]));
}

/** Record keys at every level in insertion order, to check a shuffled tree really differs. */
export function keyOrders(x: unknown): string[][] {
  const out: string[][] = [];
  const visit = (n: unknown): void => {
    if (isTensor(n) || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    out.push(Object.keys(n));
    Object.keys(n).forEach((k) => visit((n as Record<string, unknown>)[k]));
  };
  visit(x);
  return out;
}
