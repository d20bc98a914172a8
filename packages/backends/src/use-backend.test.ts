import { tf } from '@basin/testing';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendOptionError, BackendUnavailableError } from './errors';
import { useBackend } from './use-backend';

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('useBackend', () => {
  it('initialises cpu by name and reports it', async () => {
    const choice = await useBackend('cpu');
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(choice.environment).toBe('node');
    expect(choice.precision).toBe(32);
    expect(choice.reason).toMatch(/requested 'cpu'/);
    expect(choice.skipped).toEqual([]);
  });

  it('initialises wasm in Node (files located without wasmPaths) and computes what cpu computes', async () => {
    const a = [[1, 2, 3], [4, 5, 6]];
    const b = [[0.5, -1], [2, 0.25], [-3, 1]];
    const onCpu = tf.matMul(tf.tensor2d(a), tf.tensor2d(b));
    const expected = onCpu.arraySync();
    onCpu.dispose();
    const choice = await useBackend('wasm');
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.package).toBe('@tensorflow/tfjs-backend-wasm');
    const onWasm = tf.matMul(tf.tensor2d(a), tf.tensor2d(b));
    expect(onWasm.arraySync()).toEqual(expected);
    onWasm.dispose();
  });

  it('names both tfjs-node packages when the tensorflow backend is absent', async () => {
    const err = await useBackend('tensorflow').catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.missingPackages).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(err.message).toMatch(/@tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('names the `webgpu` package for WebGPU in Node', async () => {
    const err = await useBackend('webgpu').catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.missingPackages).toEqual(['webgpu']);
    expect(err.message).toMatch(/needs the package `webgpu`/);
  });

  it('explains that WebGL needs a browser', async () => {
    const err = await useBackend('webgl').catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/only in browsers/);
  });

  it('falls through a preference list and says what it passed over', async () => {
    const choice = await useBackend(['tensorflow', 'webgl', 'cpu']);
    expect(choice.name).toBe('cpu');
    expect(choice.skipped.map((s) => s.name)).toEqual(['tensorflow', 'webgl']);
    expect(choice.reason).toMatch(/first usable backend in \[tensorflow, webgl, cpu\]; passed over tensorflow/);
  });

  it("'auto' in Node prefers tensorflow, then webgpu, then wasm", async () => {
    const choice = await useBackend('auto');
    expect(choice.name).toBe('wasm');
    expect(choice.skipped.map((s) => s.name)).toEqual(['tensorflow', 'webgpu']);
  });

  it('throws with every reason when no listed backend works, leaving the previous backend active', async () => {
    const err = await useBackend(['tensorflow', 'webgl']).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/none of the backends \[tensorflow, webgl\]/);
    expect(err.message).toMatch(/only in browsers/);
    expect(err.requested).toEqual(['tensorflow', 'webgl']);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects unknown names and empty lists with the valid names', async () => {
    await expect(useBackend('gpu' as never)).rejects.toThrow(BackendOptionError);
    await expect(useBackend('gpu' as never)).rejects.toThrow(/tensorflow, webgpu, webgl, wasm, cpu/);
    await expect(useBackend([])).rejects.toThrow(/non-empty list/);
  });

  it('uses a custom loader for a backend that is not registered', async () => {
    const loader = jest.fn(async () => {
      throw new Error('boom');
    });
    const err = await useBackend('tensorflow', { loaders: { tensorflow: loader } }).catch((e) => e);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/failed to load: boom/);
  });
});

describe('float16 backends', () => {
  // A stand-in for WebGL on a GPU without float32 render targets: the CPU kernels under the
  // 'webgl' name, reporting float16 precision.
  beforeAll(() => {
    tf.registerBackend('webgl', () => {
      const backend = new MathBackendCPU();
      backend.floatPrecision = () => 16;
      return backend;
    });
    const kernels = tf.getKernelsForBackend('cpu');
    for (const k of kernels) tf.registerKernel({ ...k, backendName: 'webgl' });
  });
  afterAll(() => {
    tf.removeBackend('webgl');
  });

  it('warns by default and reports precision 16', async () => {
    const warn = jest.fn();
    const choice = await useBackend('webgl', { environment: 'browser', warn });
    expect(choice.name).toBe('webgl');
    expect(choice.precision).toBe(16);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/float16.*needs float32/));
    expect(choice.warnings).toHaveLength(1);
  });

  it('refuses with requireFloat32 and falls back to the next listed backend', async () => {
    const choice = await useBackend(['webgl', 'cpu'], { environment: 'browser', requireFloat32: true });
    expect(choice.name).toBe('cpu');
    expect(choice.skipped[0]).toEqual({ name: 'webgl', reason: expect.stringMatching(/^refused: .*float16/) });
  });

  it('throws for a single float16 backend with requireFloat32', async () => {
    await expect(useBackend('webgl', { environment: 'browser', requireFloat32: true })).rejects.toThrow(/float16/);
    expect(tf.getBackend()).toBe('cpu');
  });
});
