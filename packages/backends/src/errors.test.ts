import { BasinError, isBasinError } from '@basin/core';
import { BackendOptionError, BackendUnavailableError } from './errors';
import { useBackend } from './use-backend';

describe('backend errors', () => {
  it("are recognised by @basin/core's isBasinError and instanceof BasinError", async () => {
    const unavailable = new BackendUnavailableError('useBackend: x', ['webgpu'], ['@tensorflow/tfjs-backend-webgpu']);
    const option = new BackendOptionError('useBackend: y');
    for (const e of [unavailable, option]) {
      expect(isBasinError(e)).toBe(true);
      expect(e).toBeInstanceOf(BasinError);
    }
    const error = await useBackend('nonsense' as never).catch((e: unknown) => e);
    expect(isBasinError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^useBackend: expected a backend name/);
  });
});
