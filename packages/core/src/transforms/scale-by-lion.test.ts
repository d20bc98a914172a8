import { tf } from '@basin/testing';
import { scaleByLion } from './scale-by-lion';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, leafValues, makeTree, runTransform, gradientSequence } from '../../test-helpers';
import { treeDispose } from '../tree';

const { grads, gradValues } = gradientSequence(400);

describe('scaleByLion', () => {
  it('update = sign(b1 mu + (1-b1) g), then mu = b2 mu + (1-b2) g (float64 reference, 6 steps)', () => {
    const params = makeTree(1);
    const out = runTransform(scaleByLion({ b1: 0.9, b2: 0.99 }), params, grads, 6);
    const ref = elementwiseReference(gradValues(6), () => ({ m: 0 }), (g, s) => {
      const u = Math.sign(0.9 * s.m + 0.1 * g);
      s.m = 0.99 * s.m + 0.01 * g;
      return u;
    });
    expectTreesClose(out, ref, 0);
    treeDispose(params);
  });

  it('uses the old momentum for the sign: a small opposing gradient does not flip it', () => {
    const t = scaleByLion({ b1: 0.9, b2: 0.5 });
    const g1 = { a: tf.tensor1d([1, -1]) };
    const g2 = { a: tf.tensor1d([-2, 2]) };
    const s0 = t.init(g1);
    const [u1, s1] = t.update(g1, s0);
    // mu = 0.5 after step 1; 0.9 * 0.5 + 0.1 * (-2) = 0.25 > 0.
    const [u2, s2] = t.update(g2, s1);
    expect(leafValues(u1).a).toEqual([1, -1]);
    expect(leafValues(u2).a).toEqual([1, -1]);
    expect(leafValues(s2.mu).a).toEqual([-0.75, 0.75]);
    treeDispose([g1, g2, s0, u1, s1, u2, s2]);
  });

  it('refuses betas outside [0, 1), 1 included (b2 = 1 never moves mu off zero), naming scaleByLion', () => {
    expectBasinError(() => scaleByLion({ b1: 1 }), /^scaleByLion: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByLion({ b2: 1 }), /^scaleByLion: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByLion({ b1: 1.5 }), /^scaleByLion: b1 must be a number >= 0 and < 1, got 1.5$/);
    expectBasinError(() => scaleByLion({ b2: -0.1 }), /^scaleByLion: b2 must be a number >= 0 and < 1, got -0.1$/);
    expectBasinError(() => scaleByLion({ b2: NaN }), /^scaleByLion: b2 must be a finite number, got NaN$/);
    expectBasinError(() => scaleByLion({ b1: '0.9' as unknown as number }), /^scaleByLion: b1 must be a finite number, got "0.9"$/);
  });

  it('accepts b1 = 0 (sign of the gradient) and b2 = 0 (mu = last gradient)', () => {
    const t = scaleByLion({ b1: 0, b2: 0 });
    const g1 = { a: tf.tensor1d([0.5, -3]) };
    const g2 = { a: tf.tensor1d([-0.25, 2]) };
    const s0 = t.init(g1);
    const [u1, s1] = t.update(g1, s0);
    const [u2, s2] = t.update(g2, s1);
    expect(leafValues(u1).a).toEqual([1, -1]);
    expect(leafValues(u2).a).toEqual([-1, 1]);
    expect(leafValues(s2.mu).a).toEqual([-0.25, 2]);
    treeDispose([g1, g2, s0, u1, s1, u2, s2]);
  });
});

describeContract('scaleByLion', { make: () => scaleByLion(), perLeafState: true });
