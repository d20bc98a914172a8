import { BasinError } from '@basin/core';
import { matrixView } from './matrix-shape';

describe('matrixView', () => {
  it('reads Dense kernels [in, out] as they are', () => {
    expect(matrixView('t', 'w', [784, 128])).toEqual({ fanIn: 784, fanOut: 128 });
  });

  it('folds the leading axes of conv kernels into the fan-in', () => {
    expect(matrixView('t', 'k', [3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 32 });
    expect(matrixView('t', 'k', [5, 8, 4])).toEqual({ fanIn: 40, fanOut: 4 });
    expect(matrixView('t', 'k', [2, 3, 3, 4, 8])).toEqual({ fanIn: 72, fanOut: 8 });
  });

  it('throws a BasinError naming the function called, the leaf and its shape otherwise', () => {
    expect(() => matrixView('scaleByMuon', 'dense.bias', [4])).toThrow(BasinError);
    expect(() => matrixView('scaleByMuon', 'dense.bias', [4])).toThrow(/^matrixView: leaf 'dense.bias' has shape \[4\]/);
    expect(() => matrixView('scaleByMuon', '', [])).toThrow(/<root> has shape \[\]/);
    expect(() => matrixView('scaleByMuon', 'w', [3, 0])).toThrow(/no entries/);
  });
});
