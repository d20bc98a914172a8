import { tf } from '@basin/testing';
import { labelsForLeaves, selectLeaves } from './leaf-labels';
import { treeDispose } from '../tree';
import { BasinError } from '../errors';
import { makeTree } from '../../test-helpers';

const isString = (x: unknown) => typeof x === 'string';

describe('labelsForLeaves / selectLeaves', () => {
  it('resolves a label tree to one label per leaf in leaf order', () => {
    const params = makeTree(1);
    const { leaves, labels } = labelsForLeaves('owner', 'labels', { gain: 'b', dense: { bias: 'a', kernel: 'b' } }, params, isString);
    expect(leaves.map((e) => e.path)).toEqual(['dense.bias', 'dense.kernel', 'gain']);
    expect(labels).toEqual(['a', 'b', 'b']);
    const sub = selectLeaves(leaves, labels, 'b');
    expect(Object.keys(sub)).toEqual(['dense.kernel', 'gain']);
    expect(sub.gain).toBe((params as { gain: tf.Tensor }).gain);
    treeDispose(params);
  });

  it('calls a label function with the tree', () => {
    const params = makeTree(1);
    const fn = jest.fn(() => ({ dense: { kernel: 'k', bias: 'b' }, gain: 'g' }));
    expect(labelsForLeaves('owner', 'labels', fn, params, isString).labels).toEqual(['b', 'k', 'g']);
    expect(fn).toHaveBeenCalledWith(params);
    treeDispose(params);
  });

  it('names missing and extra labels with the owner and spec name', () => {
    const params = makeTree(1);
    expect(() => labelsForLeaves('partition', 'labels', { dense: { kernel: 'a' }, gain: 'a', other: 'a' }, params, isString)).toThrow(
      new BasinError("partition: labels does not match the params tree (no label for 'dense.bias'; labels for leaves the params lack: 'other')"),
    );
    expect(() => labelsForLeaves('masked', 'mask', { dense: { kernel: true, bias: 1 }, gain: true } as never, params, (x) => typeof x === 'boolean')).toThrow(
      /masked: mask tree leaf at 'dense\.bias' is number 1/,
    );
    treeDispose(params);
  });

  it('refuses a tree where two leaves spell the same path', () => {
    const params = { a: { b: tf.ones([2]) }, 'a.b': tf.ones([2]) };
    expect(() => labelsForLeaves('partition', 'labels', { a: { b: 'x' }, 'a.b': 'y' }, params, isString)).toThrow(
      /partition: two leaves have the path 'a\.b'/,
    );
    treeDispose(params);
  });
});
