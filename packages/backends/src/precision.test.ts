import { tf } from '@basin/testing';
import { BackendUnavailableError } from './errors';
import { floatPrecision, requireFloat32 } from './precision';

describe('precision', () => {
  it('reports 32 on cpu and lets requireFloat32 pass', () => {
    expect(floatPrecision()).toBe(32);
    expect(() => requireFloat32('Shampoo roots')).not.toThrow();
  });

  it('requireFloat32 throws naming the backend and the computation on a float16 backend', () => {
    const backend = tf.backend() as { floatPrecision: () => number };
    const original = backend.floatPrecision;
    backend.floatPrecision = () => 16;
    try {
      expect(floatPrecision()).toBe(16);
      expect(() => requireFloat32('Shampoo roots')).toThrow(BackendUnavailableError);
      expect(() => requireFloat32('Shampoo roots')).toThrow(/backend 'cpu' computes in float16.*Shampoo roots needs float32/);
    } finally {
      backend.floatPrecision = original;
    }
  });
});
