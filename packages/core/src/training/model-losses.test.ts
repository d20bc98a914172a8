import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { addModelLosses, modelRegularizationLoss } from './model-losses';
import { expectBasinError, seeded, vals } from '../../test-helpers';

/** Dense 3 -> 2 (kernel l2 = 0.5, bias l1l2) with fixed weights. */
function regularised(): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }), biasRegularizer: tf.regularizers.l1l2({ l1: 0.1, l2: 0.2 }) })],
  });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(seeded(20 + i, w.size, 0.8), w.shape)));
  return model;
}
/** The penalty of `regularised()` in float64, from its weights. */
function penalty(model: tf.LayersModel): number {
  const [kernel, bias] = model.getWeights().map((w) => vals(w));
  return 0.5 * kernel.reduce((s, v) => s + v * v, 0) + bias.reduce((s, v) => s + 0.1 * Math.abs(v) + 0.2 * v * v, 0);
}
const value = (t: tf.Tensor | null): number => {
  if (t === null) throw new Error('expected a tensor, got null');
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe('modelRegularizationLoss', () => {
  it('sums the layers\' regularizers (l1l2\'s shape-[1] term included) into one scalar', () => {
    const model = regularised();
    // tfjs-layers keeps layer regularizers out of model.losses: they come from calculateLosses().
    expect((model as unknown as { losses: unknown[] }).losses).toHaveLength(0);
    const total = modelRegularizationLoss(model);
    expect(total?.rank).toBe(0);
    expectClose([value(total)], [penalty(model)], 1e-6);
    model.dispose();
  });

  it('counts a layer used twice once (as Python Keras; tfjs-layers\' fit counts it per call)', () => {
    const shared = tf.layers.dense({ units: 3, kernelRegularizer: tf.regularizers.l2({ l2: 1 }) });
    const input = tf.input({ shape: [3] });
    const model = tf.model({ inputs: input, outputs: shared.apply(shared.apply(input)) as tf.SymbolicTensor });
    const kernel = vals(shared.getWeights()[0]);
    expectClose([value(modelRegularizationLoss(model))], [kernel.reduce((s, v) => s + v * v, 0)], 1e-6);
    model.dispose();
  });

  it('is null for a model without regularizers, and for objects that have no losses', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    expect(modelRegularizationLoss(model)).toBeNull();
    expect(modelRegularizationLoss({})).toBeNull();
    expect(modelRegularizationLoss({ losses: [] })).toBeNull();
    const loss = tf.scalar(2);
    expect(addModelLosses(model, loss)).toBe(loss); // nothing to add: the same tensor
    tf.dispose(loss);
    model.dispose();
  });

  it('counts losses added to the model itself, functions and tensors alike', () => {
    const model = regularised();
    const constant = tf.scalar(0.25);
    model.addLoss(() => tf.scalar(1.5));
    (model as unknown as { losses: unknown[] }).losses.push(constant);
    expectClose([value(modelRegularizationLoss(model))], [penalty(model) + 1.75], 1e-6);
    // A structural model with only `losses`.
    expectClose([value(modelRegularizationLoss({ losses: [() => tf.tensor1d([2]), constant] }))], [2.25], 1e-6);
    expect(constant.isDisposed).toBe(false); // the model's tensors are not the helper's to dispose
    constant.dispose();
    model.dispose();
  });

  it('counts the regularizers of a nested model, with no forward pass needed', () => {
    // (tfjs-layers' own calculateLosses() finds nothing here until the model has been built.)
    const inner = regularised();
    const outer = tf.sequential({ layers: [inner, tf.layers.dense({ units: 1, kernelRegularizer: tf.regularizers.l2({ l2: 2 }) })] });
    const kernel = vals(outer.layers[1].getWeights()[0]);
    expectClose([value(modelRegularizationLoss(outer))], [penalty(inner) + 2 * kernel.reduce((s, v) => s + v * v, 0)], 1e-6);
    outer.dispose();
  });

  it('is differentiable in the weight variables (gradient of l2 is 2 * l2 * w)', () => {
    const model = regularised();
    const kernel = model.trainableWeights[0].read() as tf.Variable;
    const { value: v, grads } = tf.variableGrads(() => addModelLosses(model, tf.scalar(0)), [kernel]);
    expectClose(vals(grads[kernel.name]), vals(kernel).map((w) => 2 * 0.5 * w), 1e-6);
    tf.dispose([v, grads[kernel.name]]);
    model.dispose();
  });

  it('rejects terms that are not scalars, naming them', () => {
    expectBasinError(() => modelRegularizationLoss({ losses: [() => tf.ones([2])] }), /model.losses\[0\] must be a scalar, got a tensor of shape \[2\]/);
    expectBasinError(() => modelRegularizationLoss({ losses: [() => 3 as unknown as tf.Tensor] }), /model.losses\[0\] must be a tensor, got number/);
    expectBasinError(() => modelRegularizationLoss({ layers: [{}, { losses: [() => tf.zeros([1, 2])] }] }), /model.layers\[1\].losses\[0\] must be a scalar/);
  });

  it('leaks no tensors, on success or error', () => {
    const model = regularised();
    expectNoLeak(() => value(modelRegularizationLoss(model)));
    expectNoLeak(() => tf.tidy(() => addModelLosses(model, tf.scalar(1))).dispose());
    expectNoLeak(() => expect(() => modelRegularizationLoss({ losses: [() => tf.scalar(1), () => tf.ones([3])] })).toThrow());
    model.dispose();
  });
});
