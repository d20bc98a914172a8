import { tf } from '@basin/testing';
import { assertFiniteTree, checkBoolean, checkNumber, checkScalarOrSchedule, resolveHyper } from './validate';
import { BasinError } from './errors';
import { expectBasinError, expectIntact, snapshot } from '../test-helpers';

describe('checkNumber', () => {
  it('returns valid numbers', () => {
    expect(checkNumber('adam', 'b1', 0.9, { min: 0, max: 1, maxExclusive: true })).toBe(0.9);
    expect(checkNumber('x', 'n', 0, { min: 0 })).toBe(0);
    expect(checkNumber('x', 'n', 3, { integer: true, min: 1, max: 3 })).toBe(3);
  });

  it('rejects non-numbers and non-finite numbers, naming owner and parameter', () => {
    expect(() => checkNumber('adam', 'b1', '0.9')).toThrow(new BasinError('adam: b1 must be a finite number, got "0.9"'));
    expect(() => checkNumber('adam', 'eps', NaN)).toThrow(/adam: eps must be a finite number, got NaN/);
    expect(() => checkNumber('adam', 'eps', Infinity)).toThrow(/got Infinity/);
    expect(() => checkNumber('adam', 'eps', undefined)).toThrow(BasinError);
    expect(() => checkNumber('adam', 'eps', () => 1)).toThrow(/got a function/);
  });

  it('states the range that was expected', () => {
    expect(() => checkNumber('adam', 'b1', 1, { min: 0, max: 1, maxExclusive: true })).toThrow(
      'adam: b1 must be a number >= 0 and < 1, got 1',
    );
    expect(() => checkNumber('clip', 'maxNorm', 0, { min: 0, minExclusive: true })).toThrow('clip: maxNorm must be a number > 0, got 0');
    expect(() => checkNumber('s', 'steps', 2.5, { integer: true })).toThrow('s: steps must be an integer, got 2.5');
    expect(() => checkNumber('s', 'k', -1, { min: 0 })).toThrow('s: k must be a number >= 0, got -1');
    expect(() => checkNumber('s', 'k', 5, { max: 4 })).toThrow('s: k must be a number <= 4, got 5');
  });
});

describe('checkBoolean', () => {
  it('returns true and false, and refuses anything else (truthy or falsy), naming owner and option', () => {
    expect(checkBoolean('lars', 'nesterov', true)).toBe(true);
    expect(checkBoolean('lars', 'nesterov', false)).toBe(false);
    expect(() => checkBoolean('lars', 'nesterov', 'no')).toThrow(new BasinError('lars: nesterov must be true or false, got string no'));
    expect(() => checkBoolean('ema', 'debias', 0)).toThrow(new BasinError('ema: debias must be true or false, got number 0'));
    expect(() => checkBoolean('ema', 'debias', undefined)).toThrow(/^ema: debias must be true or false, got undefined$/);
    expect(() => checkBoolean('ema', 'debias', null)).toThrow(BasinError);
  });
});

describe('checkScalarOrSchedule / resolveHyper', () => {
  it('accepts numbers (checked) and functions (checked when called)', () => {
    const schedule = (step: number) => 0.1 * step;
    expect(checkScalarOrSchedule('sgd', 'learningRate', 0.1)).toBe(0.1);
    expect(checkScalarOrSchedule('sgd', 'learningRate', schedule)).toBe(schedule);
    expect(() => checkScalarOrSchedule('sgd', 'learningRate', NaN)).toThrow(/sgd: learningRate must be a finite number/);
    expect(() => checkScalarOrSchedule('sgd', 'learningRate', -1, { min: 0 })).toThrow(/>= 0/);
    expect(resolveHyper('sgd', 'learningRate', 0.5, 7)).toBe(0.5);
    expect(resolveHyper('sgd', 'learningRate', schedule, 3)).toBeCloseTo(0.3, 12);
  });

  it('names the step at which a schedule returned a bad value', () => {
    expect(() => resolveHyper('sgd', 'learningRate', (s) => (s > 2 ? NaN : 1), 3)).toThrow(
      /sgd: learningRate \(schedule at step 3\) must be a finite number, got NaN/,
    );
    expect(() => resolveHyper('sgd', 'learningRate', (() => 'x') as unknown as (s: number) => number, 0)).toThrow(BasinError);
  });
});

describe('assertFiniteTree', () => {
  it('passes finite trees and names the first leaf with NaN or Infinity, without leaking', () => {
    const good = { a: tf.tensor1d([1, 2]), b: [tf.scalar(3)] };
    const bad = { a: tf.tensor1d([1, 2]), b: [tf.scalar(3), tf.tensor1d([0, Infinity])], c: tf.scalar(NaN) };
    const snap = snapshot([good, bad]);
    expect(() => assertFiniteTree(good, 'grads')).not.toThrow();
    expect(() => assertFiniteTree({}, 'grads')).not.toThrow();
    expectBasinError(() => assertFiniteTree(bad, 'grads'), /^grads at 'b\[1\]' contains NaN or Infinity$/);
    const nan = tf.scalar(NaN);
    expectBasinError(() => assertFiniteTree(nan, 'loss'), /loss at <root>/);
    expectIntact(snap);
    tf.dispose([good, bad, nan] as unknown as tf.Tensor[]);
  });
});
