import { BasinError, isBasinError } from '../errors';
import { entryPoint, insideEntryPoint } from './entry-point';

describe('entryPoint', () => {
  const inner = entryPoint('inner', (x: number) => {
    if (x < 0) throw new BasinError('inner: x must be >= 0');
    return insideEntryPoint();
  });
  const outer = entryPoint('outer', (x: number) => inner(x));

  it('labels errors with the outermost entry point only', () => {
    expect(() => inner(-1)).toThrow(/^inner: x must be >= 0$/);
    expect(() => outer(-1)).toThrow(/^outer: x must be >= 0$/);
    expect(outer(1)).toBe(true);
    expect(insideEntryPoint()).toBe(false);
  });

  it('labels a rejected promise the same way', async () => {
    const later = entryPoint('later', async () => {
      throw new RangeError('too far');
    });
    const error = await later().catch((e: unknown) => e);
    expect(isBasinError(error)).toBe(true);
    expect((error as Error).message).toBe('later: too far');
  });
});
