import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@basin/core';

/** A seeded source of random vectors (reproducible runs; TF.js's own seeds differ by backend). */
export class VectorRandom {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Entries +1 or -1 with equal probability (Hutchinson's estimator). */
  rademacher(n: number): tf.Tensor1D {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() < 0.5 ? -1 : 1;
    return tf.tensor1d(out);
  }

  /** Standard normal entries (Box-Muller). */
  gaussian(n: number): tf.Tensor1D {
    return tf.tensor1d(this.gaussianArray(n));
  }

  gaussianArray(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u = Math.max(this.next(), 1e-300);
      const r = Math.sqrt(-2 * Math.log(u));
      const t = 2 * Math.PI * this.next();
      out[i] = r * Math.cos(t);
      if (i + 1 < n) out[i + 1] = r * Math.sin(t);
    }
    return out;
  }

  /** A uniformly random unit vector. */
  unit(n: number): tf.Tensor1D {
    return tf.tidy(() => {
      const g = this.gaussian(n);
      return tf.div(g, tf.norm(g)) as tf.Tensor1D;
    });
  }
}
