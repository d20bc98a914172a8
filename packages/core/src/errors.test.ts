import { BasinError } from './errors';

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
