import { BasinError, claimError, isBasinError } from './errors';

describe('BasinError', () => {
  it('is an Error named BasinError carrying the message', () => {
    const e = new BasinError('adam: b1 must be a number');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(BasinError);
    expect(e.name).toBe('BasinError');
    expect(e.message).toBe('adam: b1 must be a number');
    expect(String(e)).toBe('BasinError: adam: b1 must be a number');
  });
});

describe('isBasinError', () => {
  it('recognises a BasinError from another copy of the module (as the ESM and CJS builds are)', () => {
    let other: { BasinError: typeof BasinError } | undefined;
    jest.isolateModules(() => {
      other = jest.requireActual<{ BasinError: typeof BasinError }>('./errors');
    });
    const Foreign = other!.BasinError;
    expect(Foreign).not.toBe(BasinError);
    const e = new Foreign('sgd: momentum must be < 1');
    expect(isBasinError(e)).toBe(true);
    expect(e).toBeInstanceOf(BasinError);
    expect(new BasinError('x')).toBeInstanceOf(Foreign);
    expect(isBasinError(new Error('x'))).toBe(false);
    expect(isBasinError(undefined)).toBe(false);
    expect(new Error('x')).not.toBeInstanceOf(BasinError);
  });
});

describe('claimError', () => {
  it('relabels an internal error with the entry point the user called, once', () => {
    const inner = new BasinError('trace: decay must be < 1');
    const claimed = claimError(inner, 'sgd');
    expect(claimed.message).toBe('sgd: decay must be < 1');
    expect(claimed.entryPoint).toBe('sgd');
    expect(claimError(claimed, 'chain')).toBe(claimed);
  });

  it('wraps a raw error, keeping it as the cause', () => {
    const raw = new TypeError("Cannot read properties of undefined (reading 'mu')");
    const claimed = claimError(raw, 'adam');
    expect(isBasinError(claimed)).toBe(true);
    expect(claimed.message).toBe("adam: Cannot read properties of undefined (reading 'mu')");
    expect((claimed as { cause?: unknown }).cause).toBe(raw);
  });
});
