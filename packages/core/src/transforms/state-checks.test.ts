import { tf } from '@basin/testing';
import { assertUpdatesMatch, requireParams } from './state-checks';
import { treeDispose } from '../tree';
import { BasinError } from '../errors';

describe('state checks', () => {
  it('assertUpdatesMatch prefixes the owner and names the state tree and path', () => {
    const mu = { w: tf.zeros([2]) };
    const good = { w: tf.ones([2]) };
    const bad = { w: tf.ones([3]) };
    expect(() => assertUpdatesMatch('trace', mu, good, 'state.trace')).not.toThrow();
    expect(() => assertUpdatesMatch('trace', mu, bad, 'state.trace')).toThrow(
      new BasinError("trace: updates does not match state.trace at 'w': expected shape [2], got [3]"),
    );
    treeDispose([mu, good, bad]);
  });

  it('requireParams asks for params and checks them against the updates', () => {
    const u = { w: tf.zeros([2]) };
    const p = { w: tf.ones([2]) };
    const bad = { v: tf.ones([2]) };
    expect(requireParams('addDecayedWeights', p, u)).toBe(p);
    expect(() => requireParams('addDecayedWeights', undefined, u)).toThrow(/addDecayedWeights: update needs params/);
    expect(() => requireParams('addDecayedWeights', bad, u)).toThrow(/addDecayedWeights: params does not match updates at <root>: missing \{w\}, unexpected \{v\}/);
    treeDispose([u, p, bad]);
  });
});
