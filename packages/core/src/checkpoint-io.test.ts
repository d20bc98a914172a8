import { tf } from '@basin/testing';
import { adam } from './aliases/adam';
import { loadCheckpointFrom, saveCheckpointTo } from './checkpoint-io';
import { BasinError } from './errors';
import { treeDispose } from './tree';

describe('checkpoints through tf.io handlers', () => {
  it('round-trips params, optimizer state and non-finite numbers exactly through memory handlers', async () => {
    const params = { w: tf.tensor2d([[1.5, -2], [3.25, 4]]), b: tf.tensor1d([0.1, 0.2]) };
    const opt = adam({ learningRate: 0.1 });
    const state0 = opt.init(params);
    const [updates, state] = opt.update({ w: tf.tensor2d([[1, 2], [3, 4]]), b: tf.tensor1d([5, 6]) }, state0, params);
    let saved: tf.io.ModelArtifacts | undefined;
    await saveCheckpointTo(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), {
      params,
      state: { inner: state, theta: Infinity },
      steps: 7,
    });
    const loaded = await loadCheckpointFrom(tf.io.fromMemory(saved!), params);
    expect(loaded.steps).toBe(7);
    expect(loaded.state.theta).toBe(Infinity);
    expect(Array.from((loaded.params as any).w.dataSync())).toEqual(Array.from(params.w.dataSync()));
    const mu = (state as any)[0].mu.w.dataSync();
    expect(Array.from(loaded.state.inner[0].mu.w.dataSync())).toEqual(Array.from(mu));
    expect(loaded.state.inner[0].count).toBe(1);
    treeDispose([params, state0, updates, state, loaded]);
  });

  it('rejects a checkpoint whose params do not match the model, and foreign artifacts', async () => {
    const params = { w: tf.zeros([2, 2]) };
    let saved: tf.io.ModelArtifacts | undefined;
    await saveCheckpointTo(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { params, state: {} });
    const before = tf.memory().numTensors;
    await expect(loadCheckpointFrom(tf.io.fromMemory(saved!), { w: tf.zeros([3, 2]) })).rejects.toThrow(/expected shape \[3, 2\], got \[2, 2\]/);
    expect(tf.memory().numTensors).toBe(before + 1); // only the `like` tensor made in the call
    await expect(loadCheckpointFrom(tf.io.fromMemory({ modelTopology: {} }))).rejects.toThrow(BasinError);
    treeDispose(params);
  });
});
