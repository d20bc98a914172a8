// Classic 2D test surfaces. Each is written once over "array-likes" so the same formula runs
// on tensors (for the optimizers, through the real Basin transforms) and on plain numbers
// (for the heatmap).
import * as tf from '@tensorflow/tfjs';

/** The few operations a surface formula needs, on numbers or on tensors. */
interface Ops<T> {
  c(v: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  exp(a: T): T;
}

const numOps: Ops<number> = { c: (v) => v, add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, exp: Math.exp };
const tensorOps: Ops<tf.Tensor> = { c: (v) => tf.scalar(v), add: tf.add, sub: tf.sub, mul: tf.mul, exp: tf.exp };

export interface Surface {
  id: string;
  title: string;
  note: string;
  /** Plot window [xmin, xmax, ymin, ymax]. */
  view: [number, number, number, number];
  start: [number, number];
  /** Suggested learning-rate scale: SGD-like steps are `lrScale * lr`. */
  lrScale: number;
  formula<T>(o: Ops<T>, x: T, y: T): T;
}

const gauss = <T>(o: Ops<T>, x: T, y: T, cx: number, cy: number, s: number): T => {
  const dx = o.sub(x, o.c(cx));
  const dy = o.sub(y, o.c(cy));
  return o.exp(o.mul(o.c(-1 / (2 * s * s)), o.add(o.mul(dx, dx), o.mul(dy, dy))));
};

export const SURFACES: Surface[] = [
  {
    id: 'sharp-flat',
    title: 'Sharp and flat minimum',
    note: 'A narrow, slightly deeper well at x = -1.2 and a wide one at x = +1.2 on a gentle bowl. Sharpness-aware methods tend to leave the narrow well.',
    view: [-2.6, 2.6, -1.8, 1.8],
    start: [-1.0, 0.45],
    lrScale: 1,
    formula: (o, x, y) =>
      o.sub(
        o.sub(o.mul(o.c(0.04), o.add(o.mul(x, x), o.mul(y, y))), o.mul(o.c(1.15), gauss(o, x, y, -1.2, 0, 0.18))),
        gauss(o, x, y, 1.2, 0, 0.65),
      ),
  },
  {
    id: 'rosenbrock',
    title: 'Rosenbrock (b = 10)',
    note: '(1 - x)^2 + 10 (y - x^2)^2: a curved valley with its minimum at (1, 1).',
    view: [-2, 2, -1, 3],
    start: [-1.5, 2.5],
    lrScale: 0.1,
    formula: (o, x, y) => {
      const a = o.sub(o.c(1), x);
      const b = o.sub(y, o.mul(x, x));
      return o.add(o.mul(a, a), o.mul(o.c(10), o.mul(b, b)));
    },
  },
  {
    id: 'saddle',
    title: 'Saddle',
    note: 'x^2/2 - y^2/2 + y^4/4: a saddle at the origin between minima at (0, -1) and (0, 1). Starting almost on the ridge, methods differ in how fast they escape.',
    view: [-2, 2, -1.8, 1.8],
    start: [1.8, 0.02],
    lrScale: 1,
    formula: (o, x, y) => {
      const y2 = o.mul(y, y);
      return o.add(o.sub(o.mul(o.c(0.5), o.mul(x, x)), o.mul(o.c(0.5), y2)), o.mul(o.c(0.25), o.mul(y2, y2)));
    },
  },
];

export const surfaceValue = (s: Surface, x: number, y: number): number => s.formula(numOps, x, y);

/**
 * The surface as a Basin loss. `params.xy` is a 1x2 matrix (so Muon and Shampoo see a
 * matrix); the batch is a few small offsets, and the loss is the mean of f over the shifted
 * points, which gives m-SAM distinct microbatches.
 */
export function surfaceLoss(s: Surface) {
  return (params: unknown, batch: unknown): tf.Scalar =>
    tf.tidy(() => {
      const p = tf.add((params as { xy: tf.Tensor }).xy, batch as tf.Tensor); // [k, 2]
      const [x, y] = tf.split(p, 2, 1);
      return tf.mean(s.formula(tensorOps, x, y)) as tf.Scalar;
    });
}

/** Offsets whose mean is zero: m-SAM's microbatches see slightly different points. */
export const SURFACE_BATCH: number[][] = [
  [0.01, 0.01],
  [-0.01, 0.01],
  [0.01, -0.01],
  [-0.01, -0.01],
];
