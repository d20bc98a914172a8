import { tf, expectClose } from '@basin/testing';
import { blockGrid, blockShapes, blockSizes, joinBlocks, mergeSmallDims, splitBlocks, squeezeDims } from './blocking';

describe('mergeSmallDims', () => {
  it('merges adjacent dims while the product fits, as a conv kernel', () => {
    expect(mergeSmallDims([3, 3, 64, 128], 1024)).toEqual([576, 128]);
    expect(mergeSmallDims([3, 3, 16, 32, 8], 1024)).toEqual([144, 256]);
  });

  it('drops size-1 dims and keeps dims longer than the limit', () => {
    expect(mergeSmallDims([1, 2000, 1, 3], 1024)).toEqual([2000, 3]);
    expect(mergeSmallDims([1, 1], 1024)).toEqual([1]);
    expect(mergeSmallDims([], 1024)).toEqual([1]);
    expect(mergeSmallDims([1, 7], 1024)).toEqual([7]);
  });

  it('never turns a matrix into a vector', () => {
    expect(mergeSmallDims([6, 4], 1024)).toEqual([6, 4]);
    expect(mergeSmallDims([3, 3, 4], 1024)).toEqual([9, 4]);
  });

  it('squeezeDims only drops size-1 dims', () => {
    expect(squeezeDims([3, 1, 3, 4])).toEqual([3, 3, 4]);
    expect(squeezeDims([1])).toEqual([1]);
  });
});

describe('block partitioning', () => {
  it('cuts long dims into blocks of at most blockSize', () => {
    expect(blockSizes(300, 128)).toEqual([128, 128, 44]);
    expect(blockSizes(100, 128)).toEqual([100]);
    expect(blockSizes(256, 128)).toEqual([128, 128]);
    expect(blockSizes(50, Infinity)).toEqual([50]);
    expect(blockShapes(blockGrid([5, 3], 2))).toEqual([[2, 2], [2, 1], [2, 2], [2, 1], [1, 2], [1, 1]]);
  });

  it('splits in row-major grid order and joins back exactly', () => {
    const x = tf.range(0, 5 * 3 * 4).reshape([5, 3, 4]);
    const grid = blockGrid([5, 3, 4], 2);
    const blocks = splitBlocks(x, grid);
    expect(blocks.map((b) => b.shape)).toEqual(blockShapes(grid));
    // The first block is x[0:2, 0:2, 0:2].
    expectClose(blocks[0].dataSync(), [0, 1, 4, 5, 12, 13, 16, 17], 0);
    const back = joinBlocks(blocks, grid);
    expectClose(back.dataSync(), x.dataSync(), 0);
    tf.dispose([x, back, ...blocks]);
  });
});
