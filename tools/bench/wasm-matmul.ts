// Matrix products with transpose flags on the WASM backend: the backend's own BatchMatMul (which
// runs a scalar loop whenever a flag is set or both operands are batched) against
// @basin/backends' version (explicit Transpose, then XNNPACK), per shape, in one run with
// alternating rounds. Where the two cross is where `MIN_WORK` in
// packages/backends/src/wasm-kernels/matmul.ts sits.
//   npx tsx tools/bench/wasm-matmul.ts [--rounds 15]
import * as tf from '@tensorflow/tfjs';
import { installWasmTrainingKernels, removeWasmTrainingKernels } from '@basin/backends';
import { useBackend } from '../shared/backend';
import { median } from './mlp';

interface Shape {
  label: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** `[..., m, k] x [..., k, n]` written with the flags. */
const shape = (m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, batch: number[] = [], batchB = batch): Shape => ({
  label: `${batch.length ? `[${batch}] ` : ''}${m}x${k} @ ${k}x${n}${transposeA ? ' A^T' : ''}${transposeB ? ' B^T' : ''}${batchB !== batch ? ` (b [${batchB}])` : ''}`,
  a: [...batch, ...(transposeA ? [k, m] : [m, k])],
  b: [...batchB, ...(transposeB ? [n, k] : [k, n])],
  transposeA,
  transposeB,
});

const SHAPES: Shape[] = [
  shape(784, 128, 256, true, false), // dW of a 784-256 dense layer, batch 128: x^T dy
  shape(128, 256, 784, false, true), // dx of the same layer: dy W^T
  shape(256, 128, 256, true, false),
  shape(128, 256, 256, false, true),
  shape(256, 128, 10, true, false),
  shape(128, 10, 256, false, true),
  shape(64, 64, 64, true, false),
  shape(32, 32, 32, true, false),
  shape(32, 32, 32, false, true),
  shape(16, 16, 16, true, false),
  shape(8, 16, 4, false, true),
  shape(64, 64, 64, false, false, [8]), // both batched (attention-like): the backend's loop either way
  shape(32, 16, 32, false, false, [16]),
  shape(20, 30, 40, false, false, [16], []), // batched a, one b: flattened
];

async function main(): Promise<void> {
  await useBackend('wasm');
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 15);
  console.log(`WASM BatchMatMul: TF.js's own kernel vs Basin's, ${rounds} alternating rounds, median ms and median per-round ratio`);
  console.log('| product | TF.js kernel ms | Basin ms | TF.js / Basin |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const s of SHAPES) {
    const a = tf.randomNormal(s.a);
    const b = tf.randomNormal(s.b);
    const run = () => {
      const t0 = performance.now();
      const out = tf.matMul(a, b, s.transposeA, s.transposeB);
      out.dataSync();
      const ms = performance.now() - t0;
      out.dispose();
      return ms;
    };
    const own: number[] = [];
    const basin: number[] = [];
    for (let r = -2; r < rounds; r++) {
      removeWasmTrainingKernels({ kernels: ['BatchMatMul'] });
      const t1 = run();
      installWasmTrainingKernels({ kernels: ['BatchMatMul'] });
      const t2 = run();
      if (r >= 0) {
        own.push(t1);
        basin.push(t2);
      }
    }
    const ratio = median(own.map((t, i) => t / basin[i]));
    console.log(`| ${s.label} | ${median(own).toFixed(3)} | ${median(basin).toFixed(3)} | ${ratio.toFixed(2)} |`);
    tf.dispose([a, b]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
