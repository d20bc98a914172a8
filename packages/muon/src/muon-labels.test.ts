import { tf } from '@basin/testing';
import { treeDispose } from '@basin/core';
import { muonLabels } from './muon-labels';

const makeParams = (): Record<string, tf.Tensor> => ({
  'dense.kernel': tf.zeros([6, 4]),
  'dense.bias': tf.zeros([4]),
  'conv.kernel': tf.zeros([3, 3, 2, 4]),
  'norm.gamma': tf.ones([4]),
  embedding: tf.zeros([10, 6]),
  'head.kernel': tf.zeros([4, 3]),
});

describe('muonLabels', () => {
  it('sends matrices and conv kernels to Muon and everything else to AdamW', () => {
    const p = makeParams();
    expect(muonLabels(p)).toEqual({
      'dense.kernel': 'muon',
      'dense.bias': 'adam',
      'conv.kernel': 'muon',
      'norm.gamma': 'adam',
      embedding: 'muon',
      'head.kernel': 'muon',
    });
    treeDispose(p);
  });

  it('rejects an exclude that is neither a list of paths nor a function', () => {
    const p = makeParams();
    expect(() => muonLabels(p, ['embedding', 3] as never)).toThrow(/exclude must be/);
    treeDispose(p);
  });

  it('keeps flagged embeddings and heads out of Muon (paths, RegExps or a predicate)', () => {
    const p = makeParams();
    const byPath = muonLabels(p, ['embedding', /^head\./]) as Record<string, string>;
    expect([byPath.embedding, byPath['head.kernel'], byPath['dense.kernel']]).toEqual(['adam', 'adam', 'muon']);
    const byFn = muonLabels(p, (path, leaf) => leaf.shape[0] === 10) as Record<string, string>;
    expect([byFn.embedding, byFn['head.kernel']]).toEqual(['adam', 'muon']);
    treeDispose(p);
  });

  it('labels nested trees by their paths', () => {
    const p = { layers: [{ kernel: tf.zeros([2, 3]), bias: tf.zeros([3]) }] };
    expect(muonLabels(p, ['layers[0].kernel'])).toEqual({ layers: [{ kernel: 'adam', bias: 'adam' }] });
    expect(muonLabels(p)).toEqual({ layers: [{ kernel: 'muon', bias: 'adam' }] });
    treeDispose(p);
  });
});
