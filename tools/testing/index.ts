// Test helpers shared by Basin's package tests: loads @tensorflow/tfjs (gradients + CPU
// backend) and gives small assertions on tensors and tensor counts.
import * as tf from '@tensorflow/tfjs';

tf.setBackend('cpu');
tf.env().set('IS_TEST', true);

export { tf };

/** Asserts two arrays agree entry by entry within `tol` (absolute + relative). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = tol * (1 + Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      throw new Error(`entry ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${bound})`);
    }
  }
}

/** Runs `fn` `steps` times after one warm-up call and asserts the live tensor count stays flat. */
export function expectNoLeak(fn: () => void, steps = 3): void {
  fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) fn();
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Central finite-difference gradient of a scalar function of a flat vector, in float64 on
 * plain arrays, as an independent reference for gradient and HVP tests.
 */
export function finiteDifferenceGradient(f: (x: number[]) => number, x: number[], h = 1e-3): number[] {
  return x.map((_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}
