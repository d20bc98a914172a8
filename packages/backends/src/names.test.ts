import { BACKEND_PACKAGES, defaultPreference, isBackendName } from './names';
import { detectEnvironment } from './environment';
import { importOptional, isModuleNotFound } from './import-optional';

describe('names and environment', () => {
  it('orders defaults fastest first per environment', () => {
    expect(defaultPreference('node')).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    expect(defaultPreference('browser')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('knows its names and the packages behind them', () => {
    expect(isBackendName('wasm')).toBe(true);
    expect(isBackendName('gpu')).toBe(false);
    expect(BACKEND_PACKAGES.tensorflow.node).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(BACKEND_PACKAGES.webgpu.node).toContain('webgpu');
  });

  it('detects Node', () => {
    expect(detectEnvironment()).toBe('node');
  });

  it('importOptional returns undefined for an absent package and the module for a present one', async () => {
    expect(await importOptional('definitely-not-installed-pkg-basin')).toBeUndefined();
    const wasm = await importOptional<{ setWasmPaths: unknown }>('@tensorflow/tfjs-backend-wasm');
    expect(typeof wasm?.setWasmPaths).toBe('function');
  });

  it('treats a missing dependency of an installed package as a real error', () => {
    const e = Object.assign(new Error("Cannot find module 'libfoo' from 'x'"), { code: 'MODULE_NOT_FOUND' });
    expect(isModuleNotFound(e, '@tensorflow/tfjs-node')).toBe(false);
    expect(isModuleNotFound(Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node'"), { code: 'MODULE_NOT_FOUND' }), '@tensorflow/tfjs-node')).toBe(true);
    expect(isModuleNotFound(new TypeError('Failed to resolve module specifier "webgpu"'), 'webgpu')).toBe(true);
  });
});
