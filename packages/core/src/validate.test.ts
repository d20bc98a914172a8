import { tf } from '@basin/testing';
import { assertFiniteTree, checkBoolean, checkNumber, checkScalarOrSchedule, resolveHyper } from './validate';
import {
  checkedMask,
  checkFloatTensor,
  checkFn,
  checkKnownOptions,
  checkMatches,
  checkShape,
  describeArgument,
  floatLeaves,
  oneOf,
  uniqueLeaves,
} from './argument-checks';
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

  it('gives the fallback for undefined when one is given, and words a wrong value with describe', () => {
    expect(checkBoolean('eigen', 'vectors', undefined, { fallback: true })).toBe(true);
    expect(checkBoolean('eigen', 'vectors', undefined, { fallback: false })).toBe(false);
    expect(checkBoolean('eigen', 'vectors', false, { fallback: true })).toBe(false);
    expect(() => checkBoolean('eigen', 'vectors', null, { fallback: true })).toThrow(new BasinError('eigen: vectors must be true or false, got null'));
    expect(() => checkBoolean('eigen', 'vectors', 'yes', { fallback: true, describe: describeArgument })).toThrow(
      new BasinError("eigen: vectors must be true or false, got 'yes'"),
    );
    expect(() => checkBoolean('eigen', 'vectors', 1, { describe: () => 'one' })).toThrow(new BasinError('eigen: vectors must be true or false, got one'));
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

describe('describeArgument', () => {
  it('names functions, quotes strings, and describes everything else as describeValue does', () => {
    function loss(): number {
      return 0;
    }
    expect(describeArgument(loss)).toBe('the function loss');
    expect(describeArgument(() => 1)).toBe('the function (anonymous)');
    expect(describeArgument('x')).toBe("'x'");
    expect(describeArgument(3)).toBe('number 3');
    expect(describeArgument(undefined)).toBe('undefined');
    expect(describeArgument([1, 2])).toBe('an array of length 2');
    const t = tf.zeros([2, 3]);
    expect(describeArgument(t)).toBe('a tensor of shape [2, 3]');
    t.dispose();
  });
});

describe('checkFn', () => {
  it('accepts functions (and undefined when optional), and refuses anything else in the given words', () => {
    expect(() => checkFn('lanczos', 'matvec', () => 1)).not.toThrow();
    expect(() => checkFn('trace', 'onProgress', undefined, 'a function', true)).not.toThrow();
    expect(() => checkFn('lanczos', 'matvec', 3)).toThrow(new BasinError('lanczos: matvec must be a function, got number 3'));
    expect(() => checkFn('fit', 'loss', 'mse', 'a loss function (params) => scalar')).toThrow(
      new BasinError("fit: loss must be a loss function (params) => scalar, got 'mse'"),
    );
    expect(() => checkFn('trace', 'onProgress', null, 'a function', true)).toThrow(new BasinError('trace: onProgress must be a function or undefined, got null'));
    expect(() => checkFn('f', 'g', 1, undefined, undefined, () => 'it')).toThrow(new BasinError('f: g must be a function, got it'));
  });
});

describe('oneOf', () => {
  it('returns an allowed string or the fallback for undefined, and lists the choices otherwise', () => {
    expect(oneOf('eigen', 'which', 'smallest', ['largest', 'smallest'], 'largest')).toBe('smallest');
    expect(oneOf('eigen', 'which', undefined, ['largest', 'smallest'], 'largest')).toBe('largest');
    expect(() => oneOf('eigen', 'which', 'middle', ['largest', 'smallest'], 'largest')).toThrow(
      new BasinError("eigen: which must be 'largest' or 'smallest', got 'middle'"),
    );
    expect(() => oneOf('d', 'norm', 1, ['filter', 'layer', 'none'], 'filter')).toThrow(new BasinError("d: norm must be 'filter', 'layer' or 'none', got number 1"));
    expect(() => oneOf('d', 'norm', null, ['a', 'b'], 'a', () => 'nothing')).toThrow(new BasinError("d: norm must be 'a' or 'b', got nothing"));
  });
});

describe('floatLeaves / checkMatches', () => {
  it('returns the leaves of a tree of live float32 tensors and names the path of a bad one', () => {
    const good = { w: tf.zeros([2]), b: [tf.zeros([1])] };
    expect(floatLeaves('f', 'params', good).map((e) => e.path)).toEqual(['b[0]', 'w']);
    expect(floatLeaves('f', 'params', {}, { allowEmpty: true })).toEqual([]);
    expect(() => floatLeaves('f', 'params', {})).toThrow(new BasinError('f: params has no tensors'));
    expect(() => floatLeaves('f', 'params', undefined)).toThrow(new BasinError('f: params must be a tree of float32 tensors, got undefined'));
    expect(() => floatLeaves('f', 'params', null)).toThrow(new BasinError('f: params must be a tree of float32 tensors, got null'));
    const ints = { w: tf.zeros([2], 'int32') };
    expect(() => floatLeaves('f', 'params', ints)).toThrow(new BasinError("f: params at 'w' has dtype int32; expected float32 (cast it with tf.cast(x, 'float32'))"));
    const gone = tf.zeros([2]);
    gone.dispose();
    expect(() => floatLeaves('f', 'params', { w: gone })).toThrow(new BasinError("f: params at 'w' is a disposed tensor"));
    tf.dispose([good.w, good.b[0], ints.w]);
  });

  it('checkMatches refuses a tree of another structure, after the owner and an optional prefix', () => {
    const ref = { w: tf.zeros([2]) };
    const same = { w: tf.ones([2]) };
    const other = { w: tf.ones([3]) };
    expect(() => checkMatches('f', ref, 'params', same, 'start')).not.toThrow();
    expect(() => checkMatches('f', ref, 'params', other, 'start')).toThrow(/^f: start does not match params at 'w': expected shape \[2\], got \[3\]$/);
    expect(() => checkMatches('f', ref, 'params', other, 'start', 'bend 1: ')).toThrow(/^f: bend 1: start does not match params/);
    expect(() => checkMatches('f', ref, 'params', undefined, 'start')).toThrow(new BasinError('f: start must be a tree of float32 tensors, got undefined'));
    tf.dispose([ref.w, same.w, other.w]);
  });
});

describe('checkKnownOptions', () => {
  it('gives {} for undefined, returns a record of known keys, and names unknown keys and non-objects', () => {
    expect(checkKnownOptions('muon', undefined, ['a'])).toEqual({});
    const o = { a: 1 };
    expect(checkKnownOptions('muon', o, ['a', 'b'])).toBe(o);
    expect(() => checkKnownOptions('muon', { c: 1 }, ['a', 'b'])).toThrow(new BasinError("muon: unknown option 'c' (known: a, b)"));
    expect(() => checkKnownOptions('muon', { c: 1, d: 2 }, ['a'])).toThrow(new BasinError("muon: unknown options 'c', 'd' (known: a)"));
    expect(() => checkKnownOptions('muon', null, ['a'])).toThrow(new BasinError('muon: options must be an object, got null'));
    expect(() => checkKnownOptions('muon', [1], ['a'], 'adamOptions')).toThrow(new BasinError('muon: adamOptions must be an object, got an array of length 1'));
  });
});

describe('checkFloatTensor / checkShape', () => {
  it('checkFloatTensor accepts a live float32 tensor and refuses anything else', () => {
    const x = tf.zeros([2, 2]);
    expect(checkFloatTensor('ns', 'G', x)).toBe(x);
    expect(() => checkFloatTensor('ns', 'G', [1])).toThrow(new BasinError('ns: G must be a tensor, got an array of length 1'));
    const i = tf.zeros([2], 'int32');
    expect(() => checkFloatTensor('ns', 'G', i)).toThrow(new BasinError("ns: G has dtype int32; expected float32 (cast it with tf.cast(x, 'float32'))"));
    tf.dispose([x, i]);
    expect(() => checkFloatTensor('ns', 'G', x)).toThrow(new BasinError('ns: G is a disposed tensor'));
  });

  it('checkShape accepts arrays of integers >= min and names the bad entry', () => {
    expect(checkShape('m', 'shape', [2, 0, 3])).toEqual([2, 0, 3]);
    expect(() => checkShape('m', 'shape', 3)).toThrow(new BasinError('m: shape must be an array of dimension sizes, got number 3'));
    expect(() => checkShape('m', 'shape', [2, 1.5])).toThrow(new BasinError('m: shape[1] must be an integer >= 0, got 1.5'));
    expect(() => checkShape('m', 'shape', [2, 0], 1)).toThrow(new BasinError('m: shape[1] must be an integer >= 1, got 0'));
  });
});

describe('uniqueLeaves', () => {
  it('returns the leaves by path and refuses two leaves with one path', () => {
    const a = tf.zeros([1]);
    const b = tf.zeros([2]);
    expect(uniqueLeaves('s', 'params', { a, b }).map((e) => e.path)).toEqual(['a', 'b']);
    expect(() => uniqueLeaves('s', 'updates', { 'a.b': a, a: { b } })).toThrow(
      new BasinError("s: two leaves of the updates have the path 'a.b' (a record key containing '.' or '[' spells a nested path); rename one"),
    );
    tf.dispose([a, b]);
  });
});

describe('checkedMask', () => {
  it('refuses a mask that is neither a tree nor a function at once', () => {
    expect(() => checkedMask('muon', 'weightDecayMask', true as unknown as Parameters<typeof checkedMask>[2])).toThrow(
      new BasinError('muon: weightDecayMask must be a tree of booleans shaped like the params, or a function of the params returning one; got boolean true'),
    );
  });

  it('pairs the mask with the tree by path, and names missing, extra and non-boolean entries', () => {
    const params = { w: tf.zeros([2]), layer: { b: tf.zeros([1]) } };
    expect(checkedMask('muon', 'weightDecayMask', { w: true, layer: { b: false } })(params)).toEqual({ w: true, 'layer.b': false });
    expect(checkedMask('muon', 'weightDecayMask', (p) => ({ w: 'w' in (p as object), layer: { b: false } }))(params)).toEqual({ w: true, 'layer.b': false });
    expect(() => checkedMask('muon', 'weightDecayMask', { w: true, v: false })(params)).toThrow(
      new BasinError("muon: weightDecayMask does not match the params (no entry for 'layer.b'; entries for params that do not exist: 'v')"),
    );
    expect(() => checkedMask('muon', 'weightDecayMask', { w: 1, layer: { b: false } } as never)(params)).toThrow(
      new BasinError("muon: weightDecayMask at 'w' is number 1; expected true or false"),
    );
    const thrower = checkedMask('muon', 'weightDecayMask', () => {
      throw new Error('no');
    });
    expect(() => thrower(params)).toThrow(/^muon: weightDecayMask threw: no$/);
    tf.dispose([params.w, params.layer.b]);
  });
});
