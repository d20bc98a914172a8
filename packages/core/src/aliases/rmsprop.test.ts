import { rmsprop } from './rmsprop';
import { chain } from '../combinators/chain';
import { scaleByRms } from '../transforms/scale-by-rms';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { identity } from '../transforms/identity';
import { trace } from '../transforms/trace';
import { treeDispose } from '../tree';
import { describeContract, makeTree, runTransform } from '../../test-helpers';

const grads = (k: number) => makeTree(1100 + k);

describe('rmsprop', () => {
  it('equals chain(scaleByRms, scaleByLearningRate, identity | trace) in each form', () => {
    const params = makeTree(1);
    const cases: [ReturnType<typeof rmsprop>, ReturnType<typeof chain>][] = [
      [rmsprop({ learningRate: 0.01 }), chain(scaleByRms(), scaleByLearningRate(0.01), identity())],
      [
        rmsprop({ learningRate: 0.01, decay: 0.8, eps: 1e-4, centered: true, momentum: 0.9, nesterov: true }),
        chain(scaleByRms({ decay: 0.8, eps: 1e-4, centered: true }), scaleByLearningRate(0.01), trace({ decay: 0.9, nesterov: true })),
      ],
      [
        rmsprop({ learningRate: 0.01, initialScale: 1, epsInSqrt: false, biasCorrection: true, momentum: 0.5 }),
        chain(scaleByRms({ initialScale: 1, epsInSqrt: false, biasCorrection: true }), scaleByLearningRate(0.01), trace({ decay: 0.5 })),
      ],
    ];
    for (const [alias, explicit] of cases) expect(runTransform(alias, params, grads, 4)).toEqual(runTransform(explicit, params, grads, 4));
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expect(() => rmsprop({ learningRate: 0.1, decay: 1 })).toThrow(/^rmsprop: decay/);
    expect(() => rmsprop({ learningRate: 0.1, momentum: -1 })).toThrow(/^rmsprop: momentum must be a number >= 0/);
  });
});

describeContract('rmsprop', { make: () => rmsprop({ learningRate: 0.01, momentum: 0.9, centered: true }), perLeafState: true });
