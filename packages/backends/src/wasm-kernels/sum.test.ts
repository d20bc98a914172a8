import { tf } from '@basin/testing';
import { compareWithCpu, ErrorLog, randomValues, setUpWasm } from '../../test-helpers/wasm-kernels';

const log = new ErrorLog();
beforeAll(setUpWasm);
afterAll(() => log.print());

describe('Sum on WASM (leading axes summed in one pass)', () => {
  const cases: [string, number[], number | number[] | undefined, boolean][] = [
    ['a dense bias gradient: [128, 256] over axis 0', [128, 256], 0, false],
    ['a conv bias gradient: [8, 12, 12, 16] over [0, 1, 2]', [8, 12, 12, 16], [0, 1, 2], false],
    ['leading axes given out of order and negative, keepDims', [4, 5, 6], [1, -3], true],
    ['the innermost axis (the backend kernel)', [7, 9], -1, false],
    ['all axes (the backend kernel)', [3, 4, 5], undefined, false],
    ['a middle axis (the backend kernel)', [3, 4, 5], 1, true],
  ];
  it.each(cases)('matches the CPU backend: %s', async (_, shape, axis, keepDims) => {
    const x = randomValues(shape, 61);
    expect(log.record('Sum', await compareWithCpu('Sum', { x }, { axis: axis as never, keepDims }))).toBeLessThan(1e-5);
  });

  it('leaves int32 sums to the backend', async () => {
    await tf.setBackend('wasm');
    const s = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0).arraySync());
    await tf.setBackend('cpu');
    expect(s).toEqual([9, 12]);
  });
});
