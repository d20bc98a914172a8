// Training speed on the WASM backend with and without @basin/backends' training kernels, against
// the CPU backend and PyTorch on one CPU thread, in one run:
//   1. a 784-256-256-10 ReLU MLP step (batch 128, softmax cross-entropy, tf.train.sgd): WASM with
//      Basin's kernels, WASM with TF.js's own, the CPU backend, and PyTorch 1.13 with
//      torch.set_num_threads(1) (a persistent python3 child, when `import torch` works), one step
//      of each per round, rounds alternating, medians and per-round ratios;
//   2. the mnist-node conv net (examples/conv-net-wasm) through model.trainOnBatch with
//      tf.train.rmsprop: WASM at --conv-batch (64), and WASM against the CPU backend at
//      --cpu-conv-batch (4: a CPU step of this net takes about 10 s per image here);
//   3. kernels launched per step (tf.profile), the same on every backend.
//
//   npx tsx tools/bench/wasm-training.ts [--rounds 30] [--conv-batch 64] [--conv-rounds 5]
//        [--cpu-conv-batch 4] [--cpu-conv-rounds 2] [--skip-conv] [--skip-torch]
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { installWasmTrainingKernels, removeWasmTrainingKernels } from '@basin/backends';
import { mnistNodeConvNet } from '../../examples/conv-net-wasm/src/model';
import { useBackendWithReport, describeChoice } from '../shared/backend';
import { makeMlp, median } from './mlp';

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
};
const has = (name: string) => process.argv.includes(name);

const SIZES = [784, 256, 256, 10];
const ROWS = 128;

/** A Python with PyTorch: $BASIN_PYTHON, python3, or Debian's /usr/bin/python3 (pyenv shims may lack torch). */
function findTorchPython(): string | undefined {
  const candidates = [process.env.BASIN_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

const TORCH_MLP = `
import sys, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
sizes = [int(s) for s in sys.argv[1].split(',')]
rows = int(sys.argv[2])
layers = []
for i in range(len(sizes) - 1):
    layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    if i + 2 < len(sizes):
        layers.append(torch.nn.ReLU())
model = torch.nn.Sequential(*layers)
x = torch.randn(rows, sizes[0])
y = torch.randint(0, sizes[-1], (rows,))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = torch.nn.CrossEntropyLoss()
def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(5):
    step()
blas = 'unknown'
with open('/proc/self/maps') as maps:
    for entry in maps:
        if 'libblas' in entry or 'openblas' in entry or 'mkl' in entry:
            blas = entry.split()[-1]
            break
print('ready', torch.__version__, torch.get_num_threads(), blas, flush=True)
for line in sys.stdin:
    n = int(line)
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    print((time.perf_counter() - t0) * 1000 / n, flush=True)
`;

/** PyTorch in a child process that runs `n` steps on request and answers with ms per step. */
class TorchMlp {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  static async start(python: string, libraryPath?: string): Promise<{ torch: TorchMlp; banner: string; blas: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    if (libraryPath) env.LD_LIBRARY_PATH = [libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    const child = spawn(python, ['-c', TORCH_MLP, SIZES.join(','), String(ROWS)], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const torch = new TorchMlp(child);
    const first = await torch.lines.next();
    if (first.done || !String(first.value).startsWith('ready')) throw new Error(`PyTorch child failed: ${stderr.trim().split('\n').pop()}`);
    const [, version, threads, blas] = String(first.value).split(' ');
    return { torch, blas, banner: `PyTorch ${version}, ${threads} thread(s), BLAS ${blas}, ${python}` };
  }
  async step(n = 1): Promise<number> {
    this.child.stdin.write(`${n}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('PyTorch child exited');
    return Number(r.value);
  }
  stop(): void {
    this.child.stdin.end();
  }
}

interface Variant {
  name: string;
  backend: 'wasm' | 'cpu';
  basinKernels: boolean;
  step: () => void;
}

/** Selects the variant's backend and kernels; the step then runs there. */
async function enter(v: Pick<Variant, 'backend' | 'basinKernels'>): Promise<void> {
  if (tf.getBackend() !== v.backend) await tf.setBackend(v.backend);
  if (v.backend === 'wasm') {
    if (v.basinKernels) installWasmTrainingKernels();
    else removeWasmTrainingKernels();
  }
}

async function mlpVariant(name: string, backend: 'wasm' | 'cpu', basinKernels: boolean): Promise<Variant> {
  await enter({ backend, basinKernels });
  const { params, batch, loss } = makeMlp(SIZES, ROWS, 1);
  const vars = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.variable(v, true, `${name}_${k}`.replace(/[^\w]/g, '_'))]));
  tf.dispose(Object.values(params));
  const opt = tf.train.sgd(0.01);
  const step = () => {
    const cost = opt.minimize(() => loss(vars, batch), true, Object.values(vars));
    cost!.dataSync();
    cost!.dispose();
  };
  return { name, backend, basinKernels, step };
}

const time = (fn: () => void): number => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

async function kernelsPerStep(v: Variant): Promise<number> {
  await enter(v);
  return (await tf.profile(v.step)).kernels.length;
}

async function benchMlp(rounds: number, skipTorch: boolean): Promise<void> {
  const variants = [
    await mlpVariant('wasm + Basin kernels', 'wasm', true),
    await mlpVariant('wasm, TF.js kernels', 'wasm', false),
    await mlpVariant('cpu backend', 'cpu', false),
  ];
  const python = skipTorch ? undefined : findTorchPython();
  // PyTorch as installed, and (BASIN_TORCH_LIBRARY_PATH) with another BLAS on the library path:
  // Debian's python3-torch calls the system libblas.so.3, the slow reference BLAS unless
  // OpenBLAS is installed (see packages/backends/README.md for a no-root recipe).
  const torches: { name: string; torch: TorchMlp; times: number[] }[] = [];
  const banners: string[] = [];
  if (skipTorch) banners.push('PyTorch skipped (--skip-torch)');
  else if (!python) banners.push('PyTorch: no python3 with `import torch` (set BASIN_PYTHON); skipped');
  else {
    for (const libraryPath of [undefined, process.env.BASIN_TORCH_LIBRARY_PATH].filter((p, i) => i === 0 || p)) {
      const started = await TorchMlp.start(python, libraryPath);
      const blas = /openblas/i.test(started.blas) ? 'OpenBLAS' : /\/blas\/libblas/.test(started.blas) ? 'reference BLAS' : started.blas;
      torches.push({ name: `PyTorch, 1 thread, ${blas}`, torch: started.torch, times: [] });
      banners.push(started.banner);
    }
  }

  for (const v of variants) {
    await enter(v);
    for (let i = 0; i < 3; i++) v.step(); // warm-up
  }
  const times: number[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [k, v] of variants.entries()) {
      // The CPU backend takes ~10x WASM's time per step: time it every third round.
      if (v.backend === 'cpu' && round % 3 !== 0) continue;
      await enter(v);
      times[k].push(time(v.step));
    }
    for (const t of torches) t.times.push(await t.torch.step(1));
  }
  torches.forEach((t) => t.torch.stop());
  // The baseline: the fastest PyTorch.
  const torchTimes = torches.length ? torches.reduce((a, b) => (median(a.times) <= median(b.times) ? a : b)).times : [];

  const base = times[0];
  const ratioTo = (ts: number[], ref: number[], stride = 1) => median(ts.map((t, i) => t / ref[i * stride]));
  console.log(`\n## MLP ${SIZES.join('-')} step, batch ${ROWS} (forward, backward, tf.train.sgd / torch.optim.SGD), ${rounds} alternating rounds`);
  banners.forEach((b) => console.log(b));
  console.log('| variant | ms/step (median) | x wasm + Basin kernels | x PyTorch 1 thread | kernels/step |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [k, v] of variants.entries()) {
    const stride = v.backend === 'cpu' ? 3 : 1;
    const vsBasin = k === 0 ? '1.00' : ratioTo(times[k], base, stride).toFixed(2);
    const vsTorch = torchTimes.length ? ratioTo(times[k], torchTimes, stride).toFixed(1) : 'n/a';
    console.log(`| ${v.name} | ${median(times[k]).toFixed(2)} | ${vsBasin} | ${vsTorch} | ${await kernelsPerStep(v)} |`);
  }
  for (const t of torches) {
    console.log(`| ${t.name} | ${median(t.times).toFixed(2)} | ${median(t.times.map((x, i) => x / base[i])).toFixed(2)} | ${median(t.times.map((x, i) => x / torchTimes[i])).toFixed(1)} | |`);
  }
}

async function convVariant(batch: number, backend: 'wasm' | 'cpu', basinKernels: boolean) {
  await enter({ backend, basinKernels });
  const model = mnistNodeConvNet();
  model.compile({ optimizer: tf.train.rmsprop(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2) as tf.Tensor1D, 10);
  const step = async (): Promise<number> => {
    await enter({ backend, basinKernels });
    const t0 = performance.now();
    await model.trainOnBatch(x, y);
    return performance.now() - t0;
  };
  const dispose = () => {
    tf.dispose([x, y]);
    model.dispose();
  };
  return { model, x, y, step, dispose };
}

async function benchConv(batch: number, rounds: number, cpuBatch: number, cpuRounds: number): Promise<void> {
  console.log(`\n## mnist-node conv net (examples/conv-net-wasm), one model.trainOnBatch with tf.train.rmsprop`);
  // Without Basin's kernels WASM cannot train it at all.
  const raw = await convVariant(2, 'wasm', false);
  const failure = await raw.step().then(
    () => 'trained (a later TF.js has the kernels?)',
    (e: Error) => e.message.split('\n')[0],
  );
  raw.dispose();
  console.log(`wasm, TF.js kernels only: ${failure}`);

  const big = await convVariant(batch, 'wasm', true);
  await big.step();
  const bigTimes: number[] = [];
  for (let r = 0; r < rounds; r++) bigTimes.push(await big.step());
  const prof = await tf.profile(async () => {
    await big.model.trainOnBatch(big.x, big.y);
  });
  const byName = new Map<string, { count: number; ms: number }>();
  for (const k of prof.kernels) {
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count += 1;
    e.ms += Number(k.kernelTimeMs) || 0;
    byName.set(k.name, e);
  }
  const top = [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 6);
  big.dispose();
  console.log(`wasm + Basin kernels, batch ${batch}: ${(median(bigTimes) / 1000).toFixed(3)} s/batch (median of ${rounds}), ${prof.kernels.length} kernels/step`);
  console.log(`  where the time goes (one profiled step): ${top.map(([n, e]) => `${n} x${e.count} ${e.ms.toFixed(0)} ms`).join(', ')}`);

  const onWasm = await convVariant(cpuBatch, 'wasm', true);
  const onCpu = await convVariant(cpuBatch, 'cpu', false);
  await onWasm.step();
  const wasmTimes: number[] = [];
  const cpuTimes: number[] = [];
  for (let r = 0; r < cpuRounds; r++) {
    // Several WASM steps per CPU step, so both medians rest on enough samples.
    for (let i = 0; i < 3; i++) wasmTimes.push(await onWasm.step());
    cpuTimes.push(await onCpu.step());
  }
  onWasm.dispose();
  onCpu.dispose();
  const ratio = median(cpuTimes) / median(wasmTimes);
  console.log(`batch ${cpuBatch}: wasm + Basin kernels ${(median(wasmTimes) / 1000).toFixed(3)} s/batch, cpu backend ${(median(cpuTimes) / 1000).toFixed(1)} s/batch (${cpuRounds} rounds): wasm ${ratio.toFixed(0)}x faster`);
}

async function main(): Promise<void> {
  const choice = await useBackendWithReport('wasm');
  console.log(`# WASM training kernels: ${describeChoice(choice)}`);
  console.log(`installed: ${[...(choice.wasmKernels?.installed ?? []), ...(choice.wasmKernels?.alreadyInstalled ?? [])].join(', ')}`);
  await benchMlp(flag('--rounds', 30), has('--skip-torch'));
  if (!has('--skip-conv')) await benchConv(flag('--conv-batch', 64), flag('--conv-rounds', 5), flag('--cpu-conv-batch', 4), flag('--cpu-conv-rounds', 2));
  installWasmTrainingKernels();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
