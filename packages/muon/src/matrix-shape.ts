import { BasinError, describePath, entryPoint, checkShape } from '@basin/core';

/** How Muon sees a parameter: a `[fanIn, fanOut]` matrix. */
export interface MatrixView {
  fanIn: number;
  fanOut: number;
}

/**
 * The matrix Muon orthogonalises for a TF.js weight. Dense kernels are `[in, out]`; conv kernels
 * keep the output channels last (`[k, in, out]`, `[kh, kw, in, out]`, `[kd, kh, kw, in, out]`),
 * so every leading axis folds into the fan-in: `[kh*kw*in, out]`. Throws a `BasinError` naming
 * the leaf for vectors, scalars and empty tensors. Errors name `matrixView` when you call it;
 * `owner` names the transform when Muon calls it.
 */
export const matrixView = entryPoint('matrixView', function matrixView(owner: string, path: string, shape: readonly number[]): MatrixView {
  if (typeof path !== 'string') throw new BasinError(`matrixView: path must be a string (the leaf's path, e.g. 'dense.kernel'), got ${typeof path}`);
  checkShape('matrixView', 'shape', shape);
  return viewOf(typeof owner === 'string' ? owner : 'matrixView', path, shape);
});

/** `matrixView` without the argument checks, for leaves of a tree. */
export function viewOf(owner: string, path: string, shape: readonly number[]): MatrixView {
  if (shape.length < 2) {
    const hint =
      owner === 'muon'
        ? `Label it 'adam' (the default labels send every leaf of rank < 2 to AdamW)`
        : 'Send biases, norm gains and other vectors to AdamW: the muon() alias does this by default';
    throw new BasinError(
      `${owner}: leaf ${describePath(path)} has shape [${shape.join(', ')}]; Muon needs a matrix [in, out] or a conv kernel [..., in, out] ` +
        `(rank >= 2). ${hint}`,
    );
  }
  if (shape.some((d) => d === 0)) {
    throw new BasinError(`${owner}: leaf ${describePath(path)} has shape [${shape.join(', ')}] with no entries; Muon needs a non-empty matrix`);
  }
  const fanOut = shape[shape.length - 1];
  const fanIn = shape.slice(0, -1).reduce((n, d) => n * d, 1);
  return { fanIn, fanOut };
}
