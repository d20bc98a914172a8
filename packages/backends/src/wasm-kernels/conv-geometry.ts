import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelScope } from './kernel-scope';

/** The geometry of a 2-D convolution (TF.js's `Conv2DInfo`), channels last. */
export type ConvInfo = backend_util.Conv2DInfo;

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The filter gradient of a convolution as another convolution: with the batch as channels and
 * the channels as batch, `dW[i, j, c, o] = sum over (n, y, x) of xPadded[n, y*s + i*d, x*s + j*d, c]
 * * dy[n, y, x, o]` is a convolution of `x` transposed to `[C, H, W, N]` with `dy` transposed to
 * `[Ho, Wo, N, O]` as its filter, stride `d` and dilation `s` (the forward pass's dilation and
 * stride swapped). Returns that convolution's strides, dilations and padding, and how many rows
 * and columns of `x` it reads (rows no tap reaches are cropped rather than padded negatively),
 * so that its output is exactly `kh x kw`.
 */
export function filterGradientGeometry(
  info: ConvInfo,
): { cropHeight: number; cropWidth: number; pad: ExplicitPadding; strides: [number, number]; dilations: [number, number] } {
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  // Rows the trick convolution must see: top padding, then x, then `bottom` rows of zeros, so
  // that ((kh - 1) * dh) + ((ho - 1) * sh) + 1 rows are covered exactly. A negative `bottom`
  // means the last rows of x are never read: crop them instead.
  const bottom = (kh - 1) * dh + (ho - 1) * sh + 1 - h - top;
  const right = (kw - 1) * dw + (wo - 1) * sw + 1 - w - left;
  return {
    cropHeight: bottom < 0 ? h + bottom : h,
    cropWidth: right < 0 ? w + right : w,
    pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
    strides: [dh, dw],
    dilations: [sh, sw],
  };
}

/**
 * Inserts `sh - 1` rows and `sw - 1` columns of zeros after every row and column of an NHWC
 * tensor (`[n, h, w, c]` to `[n, h * sh, w * sw, c]`, the last zeros included): the input of
 * the convolution that computes a strided convolution's input gradient.
 */
export function dilateNhwc(s: KernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const six = s.reshaped(x, [n, h, 1, w, 1, c]);
  const padded = s.run('PadV2', { x: six }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return s.reshaped(padded, [n, h * sh, w * sw, c]);
}

/**
 * The input gradient of a convolution as a stride-1 convolution of the zero-dilated `dy` with the
 * spatially flipped filter: the padding that makes its output exactly `h x w`, and the window of
 * the dilated `dy` it reads (rows and columns that only ever meet padding are cropped rather
 * than padded negatively). `keepHeight` or `keepWidth` is 0 when no input pixel is ever read
 * (the forward padding swallowed the input): the gradient is then zero.
 */
export function inputGradientGeometry(
  info: ConvInfo,
  dilatedHeight: number,
  dilatedWidth: number,
): { startRow: number; startCol: number; keepHeight: number; keepWidth: number; pad: ExplicitPadding } {
  const { inHeight: h, inWidth: w, effectiveFilterHeight: ekh, effectiveFilterWidth: ekw } = info;
  const { top, left } = info.padInfo;
  const axis = (size: number, rows: number, k: number, before: number) => {
    // Output rows = rows + padBefore + padAfter - k + 1 = size.
    let padBefore = k - 1 - before;
    const padAfter = size - rows - padBefore + k - 1;
    let start = 0;
    let keep = rows;
    if (padBefore < 0) {
      start = -padBefore;
      keep += padBefore;
      padBefore = 0;
    }
    if (padAfter < 0) keep += padAfter;
    return { start, keep: Math.max(0, keep), padBefore, padAfter: Math.max(0, padAfter) };
  };
  const r = axis(h, dilatedHeight, ekh, top);
  const c = axis(w, dilatedWidth, ekw, left);
  return {
    startRow: r.start,
    startCol: c.start,
    keepHeight: r.keep,
    keepWidth: c.keep,
    pad: [[0, 0], [r.padBefore, r.padAfter], [c.padBefore, c.padAfter], [0, 0]],
  };
}

/** `x[:, row0 : row0 + rows, col0 : col0 + cols, :]` of an NHWC tensor (itself when nothing is cut). */
export function windowNhwc(s: KernelScope, x: TensorInfo, row0: number, col0: number, rows: number, cols: number): TensorInfo {
  const [n, h, w, c] = x.shape;
  if (row0 === 0 && col0 === 0 && rows === h && cols === w) return x;
  return s.run('Slice', { x }, { begin: [0, row0, col0, 0], size: [n, rows, cols, c] });
}

/** `x[:, :rows, :cols, :]` of an NHWC tensor (itself when nothing is cut). */
export function cropNhwc(s: KernelScope, x: TensorInfo, rows: number, cols: number): TensorInfo {
  return windowNhwc(s, x, 0, 0, rows, cols);
}

/** A float32 tensor of zeros on the WASM heap (the kernel's output). */
export function zeros(s: KernelScope, shape: number[]): TensorInfo {
  const out = s.output(shape, 'float32');
  s.view(out).fill(0);
  return out;
}
