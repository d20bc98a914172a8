// The catalogue of optax aliases in @basin/core against adam, in one run on one backend: the
// same 784-256-10 MLP params (4 leaves, 203,530 numbers) and one fixed gradient tree, each
// optimizer as a user gets it (checked). Prints, per alias:
// - the time of one `update` (median over alternating rounds) and its ratio to adam's (median
//   of per-round ratios: each round times every optimizer once, in a shuffled order, so drift in
//   machine load hits all alike);
// - kernels per update and per leaf, from `tf.profile` (machine-independent);
// - the optimizer state's size in floats per parameter.
// Every update gets `extras.loss` (polyakSgd reads it; the others ignore it).
//   npx tsx tools/bench/catalogue.ts --backend cpu|wasm [--rounds N] [--only adam,lamb]
import * as tf from '@tensorflow/tfjs';
import {
  adabelief,
  adadelta,
  adafactor,
  adagrad,
  adam,
  adamax,
  adamaxw,
  amsgrad,
  collectTensors,
  fromage,
  lamb,
  lars,
  mulberry32,
  nadam,
  nadamw,
  noisySgd,
  novograd,
  optimisticGradientDescent,
  polyakSgd,
  radam,
  rprop,
  signSgd,
  sm3,
  treeDispose,
  valueAndGrad,
  yogi,
  type Transform,
  type Tree,
} from '@basin/core';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median } from './mlp';

const lr = 1e-3;
const optimizers: [string, () => Transform<any>][] = [
  ['adam', () => adam({ learningRate: lr })],
  ['adagrad', () => adagrad({ learningRate: lr })],
  ['adadelta', () => adadelta({ learningRate: lr })],
  ['adamax', () => adamax({ learningRate: lr })],
  ['adamaxw', () => adamaxw({ learningRate: lr })],
  ['radam', () => radam({ learningRate: lr })],
  ['rprop', () => rprop({ learningRate: lr })],
  ['nadam', () => nadam({ learningRate: lr })],
  ['nadamw', () => nadamw({ learningRate: lr })],
  ['amsgrad', () => amsgrad({ learningRate: lr })],
  ['adabelief', () => adabelief({ learningRate: lr })],
  ['yogi', () => yogi({ learningRate: lr })],
  ['novograd', () => novograd({ learningRate: lr })],
  ['lamb', () => lamb({ learningRate: lr })],
  ['lars', () => lars({ learningRate: lr })],
  ['adafactor', () => adafactor({ learningRate: lr })],
  ['sm3', () => sm3({ learningRate: lr })],
  ['fromage', () => fromage({ learningRate: lr })],
  ['signSgd', () => signSgd({ learningRate: lr })],
  ['noisySgd', () => noisySgd({ learningRate: lr })],
  ['polyakSgd', () => polyakSgd()],
  ['optimisticGradientDescent', () => optimisticGradientDescent({ learningRate: lr })],
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** An optimizer stepping on fixed params and gradients: each call is one update, state replaced. */
function stepper(t: Transform<any>, params: Tree, grads: Tree, loss: tf.Scalar) {
  let state = t.init(params);
  const run = () => {
    const [u, next] = t.update(grads, state, params, { loss });
    treeDispose(state);
    state = next;
    // Block until the update is computed (one small read), as a training step would.
    Object.values(u as Record<string, tf.Tensor>)[0].dataSync();
    treeDispose(u);
  };
  const stateFloats = () => [...collectTensors(state)].reduce((n, x) => n + x.size, 0);
  return { run, stateFloats, dispose: () => treeDispose(state) };
}

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const only = arg('--only')?.split(',');
  const chosen = optimizers.filter(([name]) => name === 'adam' || !only || only.includes(name));
  const rounds = Number(arg('--rounds') ?? (backend === 'cpu' ? 25 : 80));
  const { params, batch, loss } = makeMlp([784, 256, 10], 256);
  const { loss: value, grads } = valueAndGrad(loss)(params, batch);
  const leaves = Object.keys(params).length;
  const size = Object.values(params).reduce((n, x) => n + x.size, 0);

  const steppers = chosen.map(([name, make]) => ({ name, ...stepper(make(), params, grads, value) }));
  for (let i = 0; i < 3; i++) steppers.forEach((s) => s.run()); // warm-up (and the guards' one init)
  const kernels: number[] = [];
  for (const s of steppers) kernels.push((await tf.profile(s.run)).kernels.length);

  const timeOnce = (fn: () => void): number => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  // Each round times one update of every optimizer in a freshly shuffled order (so none always
  // follows the same neighbour and pays for its garbage); the ratio is taken against adam's
  // update in the same round.
  const random = mulberry32(1);
  const times: number[][] = steppers.map(() => []);
  const ratios: number[][] = steppers.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = steppers.map((_, i) => i);
    for (let j = order.length - 1; j > 0; j--) {
      const k = Math.floor(random() * (j + 1));
      [order[j], order[k]] = [order[k], order[j]];
    }
    const t = new Array<number>(steppers.length);
    for (const i of order) t[i] = timeOnce(steppers[i].run);
    t.forEach((x, i) => {
      times[i].push(x);
      ratios[i].push(x / t[0]);
    });
  }

  console.log(`backend ${backend}: MLP 784-256-10 params (${leaves} leaves, ${size} numbers), fixed gradients; ${rounds} rounds, each timing one update of every optimizer`);
  console.log('| optimizer | ms / update | time vs adam | kernels / update | kernels / leaf | state floats / param |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  steppers.forEach((s, i) => {
    const ratio = median(ratios[i]).toFixed(2);
    const cols = [s.name, median(times[i]).toFixed(2), ratio, String(kernels[i]), (kernels[i] / leaves).toFixed(1), (s.stateFloats() / size).toFixed(2)];
    console.log(`| ${cols.join(' | ')} |`);
  });
  steppers.forEach((s) => s.dispose());
  treeDispose([params, batch, grads, value]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
