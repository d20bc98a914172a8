// Helpers for the WASM kernel tests (not exported from the package): run one kernel on the CPU
// and WASM backends on the same inputs and measure how far apart the results are.
import { tf } from '@basin/testing';
import type { DataType, NamedAttrMap } from '@tensorflow/tfjs-core';
import { useBackend } from '../src/use-backend';

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: DataType;
}

/** Deterministic uniform(-1, 1) values (mulberry32), so failures reproduce. */
export function randomValues(shape: number[], seed: number): HostTensor {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const values = new Float32Array(shape.reduce((x, y) => x * y, 1));
  for (let i = 0; i < values.length; i++) values[i] = 2 * next() - 1;
  return { values, shape };
}

/** Activates WASM (installing Basin's kernels through useBackend) once per test file. */
export async function setUpWasm(): Promise<void> {
  await useBackend('wasm');
  await tf.setBackend('cpu');
}

/** Runs `kernel` on `backend` and returns its first output's values and shape. */
export async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, HostTensor>, attrs: NamedAttrMap): Promise<{ values: Float32Array | Int32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, tf.tensor(t.values, t.shape, t.dtype ?? (t.values instanceof Int32Array ? 'int32' : 'float32'))]));
  try {
    const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor | tf.Tensor[];
    const first = Array.isArray(out) ? out[0] : out;
    const result = { values: first.dataSync() as Float32Array | Int32Array, shape: first.shape };
    tf.dispose(out);
    return result;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * The error measure the kernel tests report: the largest absolute difference divided by the
 * largest magnitude of the reference (so entries near zero do not inflate it).
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Runs `kernel` on CPU and WASM, asserts equal shapes, and returns the max relative error. */
export async function compareWithCpu(kernel: string, inputs: Record<string, HostTensor>, attrs: NamedAttrMap): Promise<number> {
  const cpu = await runOn('cpu', kernel, inputs, attrs);
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  await tf.setBackend('cpu');
  expect(wasm.shape).toEqual(cpu.shape);
  return maxRelativeError(wasm.values, cpu.values);
}

/** Collects the worst error per kernel across a test file and prints it at the end. */
export class ErrorLog {
  private readonly worst = new Map<string, number>();
  record(kernel: string, error: number): number {
    this.worst.set(kernel, Math.max(this.worst.get(kernel) ?? 0, error));
    return error;
  }
  print(): void {
    const lines = [...this.worst].map(([k, e]) => `${k}: max relative error vs CPU ${e.toExponential(2)}`);
    if (lines.length > 0 && process.env.BASIN_KERNEL_ERRORS) process.stdout.write(`${lines.join('\n')}\n`);
  }
}
