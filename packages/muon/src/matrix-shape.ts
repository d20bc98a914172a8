import { BasinError, describePath } from '@basin/core';

/** How Muon sees a parameter: a `[fanIn, fanOut]` matrix. */
export interface MatrixView {
  fanIn: number;
  fanOut: number;
}

/**
 * The matrix Muon orthogonalises for a TF.js weight. Dense kernels are `[in, out]`; conv kernels
 * keep the output channels last (`[k, in, out]`, `[kh, kw, in, out]`, `[kd, kh, kw, in, out]`),
 * so every leading axis folds into the fan-in: `[kh*kw*in, out]`. Throws a `BasinError` naming
 * the leaf for vectors, scalars and empty tensors.
 */
export function matrixView(owner: string, path: string, shape: readonly number[]): MatrixView {
  if (shape.length < 2) {
    throw new BasinError(
      `${owner}: leaf ${describePath(path)} has shape [${shape.join(', ')}]; Muon needs a matrix [in, out] or a conv kernel [..., in, out] ` +
        `(rank >= 2). Send biases, norm gains and other vectors to AdamW: the muon() alias does this by default`,
    );
  }
  if (shape.some((d) => d === 0)) {
    throw new BasinError(`${owner}: leaf ${describePath(path)} has shape [${shape.join(', ')}] with no entries; Muon needs a non-empty matrix`);
  }
  const fanOut = shape[shape.length - 1];
  const fanIn = shape.slice(0, -1).reduce((n, d) => n * d, 1);
  return { fanIn, fanOut };
}
