// Browser side of tools/bench/fused-updates.ts: the fused-update benchmark on WebGL, with the
// WebGL kernels @basin/backends registers.
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '@basin/backends';
import { installFusedKernels } from '../../packages/backends/src/fused';
import { runFusedBench } from '../bench/fused-updates-lib';

(window as unknown as { __basinFusedBench: (o: { rounds: number; steps: number; samClipOnly?: boolean }) => Promise<void> }).__basinFusedBench = async ({ rounds, steps, samClipOnly }) => {
  const log = (line: string) => (window as unknown as { __basinLog: (l: string) => void }).__basinLog(line);
  const choice = await useBackend('webgl');
  installFusedKernels();
  log(`webgl in Chromium: float${choice.precision}, ${Object.entries(choice.details).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  await runFusedBench({ log, rounds, stepsPerRound: steps, samClipOnly });
  void tf;
};
