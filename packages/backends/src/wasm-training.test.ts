import { BasinError, isBasinError } from '@basin/core';
import { tf } from '@basin/testing';
import { BackendOptionError, BackendUnavailableError } from './errors';
import { useBackend } from './use-backend';
import { installWasmTrainingKernels, removeWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training';

const MISSING_ON_WASM = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum'];

afterEach(async () => {
  installWasmTrainingKernels();
  await tf.setBackend('cpu');
});

describe('installWasmTrainingKernels', () => {
  it('is run by useBackend("wasm"), which reports it', async () => {
    const choice = await useBackend('wasm');
    expect(choice.wasmKernels).toBeDefined();
    expect([...choice.wasmKernels!.installed, ...choice.wasmKernels!.alreadyInstalled].sort()).toEqual([...WASM_TRAINING_KERNELS].sort());
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it('is idempotent: a second call installs nothing', async () => {
    await useBackend('wasm');
    const again = installWasmTrainingKernels();
    expect(again.installed).toEqual([]);
    expect(again.alreadyInstalled).toEqual([...WASM_TRAINING_KERNELS]);
    expect(again.skipped).toEqual([]);
    const fromUseBackend = await useBackend('wasm');
    expect(fromUseBackend.wasmKernels!.installed).toEqual([]);
  });

  it('is undone by removeWasmTrainingKernels, which puts the backend\'s own kernels back', async () => {
    await useBackend('wasm');
    const before = { ...tf.getKernel('BatchMatMul', 'wasm') };
    const removed = removeWasmTrainingKernels();
    expect(removed.sort()).toEqual([...WASM_TRAINING_KERNELS].sort());
    for (const name of MISSING_ON_WASM) expect(tf.getKernel(name, 'wasm')).toBeUndefined();
    const own = tf.getKernel('BatchMatMul', 'wasm');
    expect(own.kernelFunc).not.toBe(before.kernelFunc);
    expect(own.setupFunc).toBe(before.setupFunc); // Basin's replacement kept the original's setup
    expect(removeWasmTrainingKernels()).toEqual([]);
    expect(installWasmTrainingKernels().installed.sort()).toEqual([...WASM_TRAINING_KERNELS].sort());
  });

  it('installs a subset on request', async () => {
    await useBackend('wasm');
    removeWasmTrainingKernels();
    const report = installWasmTrainingKernels({ kernels: ['UnsortedSegmentSum', 'BatchMatMul'] });
    expect(report.installed).toEqual(['UnsortedSegmentSum', 'BatchMatMul']);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('lets a conv net train on WASM that cannot without it', async () => {
    await useBackend('wasm');
    const step = () =>
      tf.tidy(() => {
        const x = tf.ones([2, 6, 6, 1]);
        const w = tf.ones([3, 3, 1, 2]);
        return tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')))(w).dataSync();
      });
    removeWasmTrainingKernels();
    expect(step).toThrow(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);
    installWasmTrainingKernels();
    expect(Array.from(step())).toEqual(new Array(18).fill(32)); // 2 images x 16 output pixels
  });

  it('leaves a kernel the backend already has alone, and says so', async () => {
    await useBackend('wasm');
    removeWasmTrainingKernels({ kernels: ['UnsortedSegmentSum'] });
    const own = { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' as const }) };
    tf.registerKernel(own);
    try {
      const report = installWasmTrainingKernels();
      expect(report.skipped).toEqual([{ kernel: 'UnsortedSegmentSum', reason: 'the WASM backend has its own' }]);
      expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBe(own);
    } finally {
      tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
    }
  });

  it('is skipped with useBackend(..., { wasmTrainingKernels: false })', async () => {
    removeWasmTrainingKernels();
    const choice = await useBackend('wasm', { wasmTrainingKernels: false });
    expect(choice.wasmKernels).toBeUndefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('names itself in BasinErrors for bad options and for a WASM backend that is not loaded', async () => {
    await useBackend('wasm');
    const bad = (() => {
      try {
        installWasmTrainingKernels({ kernels: ['Conv3D' as never] });
      } catch (e) {
        return e;
      }
    })();
    expect(bad).toBeInstanceOf(BackendOptionError);
    expect(bad).toBeInstanceOf(BasinError);
    expect((bad as Error).message).toMatch(/^installWasmTrainingKernels: unknown kernel "Conv3D" \(known: BatchMatMul, _FusedMatMul/);
    expect(() => removeWasmTrainingKernels({ kernels: 'BatchMatMul' as never })).toThrow(/^removeWasmTrainingKernels: kernels must be an array/);

    removeWasmTrainingKernels();
    const own = tf.getKernel('BatchMatMul', 'wasm');
    tf.unregisterKernel('BatchMatMul', 'wasm');
    try {
      const error = (() => {
        try {
          installWasmTrainingKernels();
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(isBasinError(error)).toBe(true);
      expect((error as BackendUnavailableError).missingPackages).toEqual(['@tensorflow/tfjs-backend-wasm']);
      expect((error as Error).message).toMatch(/^installWasmTrainingKernels: the WASM backend's kernels are not registered/);
    } finally {
      tf.registerKernel(own);
    }
  });
});
