import { tf, expectNoLeak } from '@basin/testing';
import { batchSize, microbatchRange, sliceBatch } from './microbatch';
import { treeDispose } from '../tree';
import { expectBasinError, leafValues } from '../../test-helpers';

describe('microbatchRange', () => {
  it('cuts rows into equal consecutive slices when the count divides them', () => {
    expect([0, 1, 2].map((index) => microbatchRange(12, { index, count: 3 }))).toEqual([[0, 4], [4, 8], [8, 12]]);
    expect(microbatchRange(5, { index: 0, count: 1 })).toEqual([0, 5]);
  });

  it('gives the remainder to the first slices (numpy array_split), covering every row once', () => {
    expect([0, 1, 2].map((index) => microbatchRange(10, { index, count: 3 }))).toEqual([[0, 4], [4, 7], [7, 10]]);
    expect([0, 1, 2, 3].map((index) => microbatchRange(7, { index, count: 4 }))).toEqual([[0, 2], [2, 4], [4, 6], [6, 7]]);
    for (const [size, count] of [[13, 5], [9, 9], [100, 7]]) {
      const ranges = Array.from({ length: count }, (_, index) => microbatchRange(size, { index, count }));
      expect(ranges[0][0]).toBe(0);
      expect(ranges[count - 1][1]).toBe(size);
      ranges.forEach((r, i) => {
        if (i > 0) expect(r[0]).toBe(ranges[i - 1][1]);
        expect(r[1] - r[0]).toBeGreaterThanOrEqual(Math.floor(size / count));
        expect(r[1] - r[0]).toBeLessThanOrEqual(Math.ceil(size / count));
      });
    }
  });

  it('names a bad count or index', () => {
    expect(() => microbatchRange(4, { index: 0, count: 5 })).toThrow(/microbatchRange: count must be an integer >= 1 and <= 4, got 5/);
    expect(() => microbatchRange(4, { index: 0, count: 0 })).toThrow(/^microbatchRange: count/);
    expect(() => microbatchRange(4, { index: 2, count: 2 })).toThrow(/microbatchRange: index must be an integer >= 0 and <= 1, got 2/);
    expect(() => microbatchRange(4, { index: 0.5, count: 2 })).toThrow(/microbatchRange: index/);
  });
});

describe('batchSize / sliceBatch', () => {
  it('reads the shared first dimension and names leaves that disagree', () => {
    const good = { x: tf.zeros([6, 2]), y: [tf.zeros([6])] };
    const bad = { x: tf.zeros([6, 2]), y: tf.zeros([5]) };
    const scalar = { x: tf.zeros([6, 2]), s: tf.scalar(1) };
    expect(batchSize(good)).toBe(6);
    expect(() => batchSize(bad)).toThrow(/batch leaves must share their first dimension: 'x' has 6 rows, 'y' has shape \[5\]/);
    expect(() => batchSize(scalar)).toThrow(/'s' has shape \[\]/);
    expect(() => batchSize({})).toThrow(/batch has no tensors/);
    treeDispose([good, bad, scalar]);
  });

  it('slices every leaf to the microbatch rows', () => {
    const batch = { x: tf.tensor2d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, 2]), y: tf.tensor1d([10, 11, 12, 13, 14]) };
    const second = sliceBatch(batch, { index: 1, count: 2 });
    expect(leafValues(second)).toEqual({ x: [6, 7, 8, 9], y: [13, 14] });
    const first = sliceBatch(batch, { index: 0, count: 2 });
    expect(leafValues(first)).toEqual({ x: [0, 1, 2, 3, 4, 5], y: [10, 11, 12] });
    expectBasinError(() => sliceBatch(batch, { index: 0, count: 6 }), /^sliceBatch: count/);
    expectNoLeak(() => treeDispose(sliceBatch(batch, { index: 1, count: 3 })));
    treeDispose([batch, first, second]);
  });
});
