import { BasinError } from '@basin/core';
import { tf } from '@basin/testing';
import { compareWithCpu, ErrorLog, maxRelativeError, randomValues, runOn, setUpWasm } from '../../test-helpers/wasm-kernels';

const ids = (values: number[], shape = [values.length]) => ({ values: new Int32Array(values), shape, dtype: 'int32' as const });

const log = new ErrorLog();
beforeAll(setUpWasm);
afterAll(() => log.print());

describe('UnsortedSegmentSum on WASM', () => {
  const cases: [string, number[], ReturnType<typeof ids>, number][] = [
    ['rows of a matrix, repeated ids', [6, 5], ids([0, 2, 2, 1, 0, 2]), 4],
    ['a vector', [7], ids([3, 3, 0, 1, 3, 2, 0]), 5],
    ['ids out of range and negative are dropped', [5, 3], ids([0, 9, -1, 1, 1]), 3],
    ['rank-3 x with rank-1 ids', [4, 3, 2], ids([2, 0, 2, 1]), 3],
    ['an embedding gradient: 64 tokens x 16 dims into 50 rows', [64, 16], ids(Array.from({ length: 64 }, (_, i) => (i * 7) % 50)), 50],
  ];
  it.each(cases)('matches the CPU backend: %s', async (_, xShape, segmentIds, numSegments) => {
    const x = randomValues(xShape, 31);
    expect(log.record('UnsortedSegmentSum', await compareWithCpu('UnsortedSegmentSum', { x, segmentIds }, { numSegments }))).toBeLessThan(1e-5);
  });

  it('sums int32 values exactly', async () => {
    const x = { values: new Int32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2], dtype: 'int32' as const };
    const out = await runOn('wasm', 'UnsortedSegmentSum', { x, segmentIds: ids([1, 0, 1]) }, { numSegments: 2 });
    await tf.setBackend('cpu');
    expect(Array.from(out.values)).toEqual([3, 4, 6, 8]);
    expect(out.shape).toEqual([2, 2]);
  });

  it('takes ids of rank 2 as TensorFlow does (the CPU backend cannot broadcast them)', async () => {
    const x = { values: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), shape: [2, 3, 2] };
    const out = await runOn('wasm', 'UnsortedSegmentSum', { x, segmentIds: ids([0, 1, 1, 2, 0, 0], [2, 3]) }, { numSegments: 3 });
    await tf.setBackend('cpu');
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.values)).toEqual([1 + 9 + 11, 2 + 10 + 12, 3 + 5, 4 + 6, 7, 8]);
  });

  it("names itself in a BasinError for ids whose shape is not a prefix of x's", async () => {
    const error = await runOn('wasm', 'UnsortedSegmentSum', { x: randomValues([4, 2], 1), segmentIds: ids([0, 1, 2]) }, { numSegments: 3 }).catch((e: unknown) => e);
    await tf.setBackend('cpu');
    expect(error).toBeInstanceOf(BasinError);
    expect((error as Error).message).toMatch(/^UnsortedSegmentSum: segmentIds' shape \[3\] must be a prefix of x's shape \[4,2\]/);
  });

  it('gives tf.gather its gradient (Embedding layers)', async () => {
    const table = randomValues([10, 4], 32);
    const indices = [3, 1, 3, 9, 0, 3];
    const grad = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const t = tf.tensor(table.values, table.shape);
        const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, tf.tensor1d(indices, 'int32')), tf.range(1, 25).reshape([6, 4]))))(t);
        return g.dataSync();
      });
    };
    const cpu = await grad('cpu');
    const wasm = await grad('wasm');
    await tf.setBackend('cpu');
    expect(log.record('gather grads', maxRelativeError(wasm, cpu))).toBeLessThan(1e-5);
  });
});
