import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { entryPoint, runEntryPoint } from '../entry/entry-point';
import { stateMismatch } from '../entry/state-structure';
import { checkTransform } from '../validate';
import type { Extras, GradFn, Transform } from '../transform';
import { describeValue, disposeReplaced, isTensor, Tree, treeDispose, treeLeaves } from '../tree';
import { applyUpdates } from '../transforms/apply-updates';
import { restoreCheckpoint, saveCheckpoint, TrainingCheckpoint } from '../checkpoint';
import { assertAllFinite, StepOptions } from './step';
import { closureGradFn, closureLossAndGrads, ownError } from './closure-gradients';
import { disposeSnapshot, nonTrainableVariables, restoreVariables, snapshotVariables } from './variable-snapshot';
import { fillState, keepTensors, NamedTensor, readNamedTensors, renameStateKeys, stateToNamedTensors } from './optimizer-weights';

export type BasinOptimizerOptions = StepOptions;

const OPTION_KEYS = ['checkFinite'];

/** A state saved elsewhere (setWeights, restore) waiting for the variables it belongs to. */
interface PendingState {
  /** Names of the variables it was saved for, in order. */
  names: string[];
  /** The state for params keyed by the saved names: new tensors the caller owns. Throws on a mismatch. */
  build(owner: string, transform: Transform<any>, params: Record<string, tf.Variable>): unknown;
  /** What getWeights reports while it waits: new tensors the caller owns. */
  weights(iterations: number): NamedTensor[];
  dispose(): void;
}

/** Marks a BasinOptimizer built from a saved config, which has no transform. */
const UNBOUND: unique symbol = Symbol('BasinOptimizer.unbound');

/**
 * Any Basin transform as a `tf.Optimizer`, so `model.compile({ optimizer })` and `model.fit`
 * train with it: SAM and its family, Muon, Shampoo, chains of them.
 *
 *     model.compile({ optimizer: basinOptimizer(sam(adamw({ learningRate: 1e-3 }))), loss: 'meanSquaredError' });
 *     await model.fit(x, y, { epochs: 10, batchSize: 32 });
 *
 * Each `minimize(f)` call (one per batch in `model.fit`) takes the loss and gradients of `f`
 * with respect to the variables (the ones tfjs-layers passes, or every trainable variable),
 * builds the params tree `{ [variable name]: variable }`, runs the transform's `update` and adds
 * the updates to the variables. The state is made on the first call and follows the variables
 * by name. The transform gets in `extras`:
 * - `loss`: the loss at the current weights (tfjs-layers' loss includes the regularizers);
 * - `gradFn(params)`: the loss and gradients of `f` at other weights, for the SAM family. It
 *   writes the params into the variables, runs `f` again (a full forward and backward pass in
 *   training mode, so Dropout draws a fresh mask, as Keras's SAM does) and puts the variables
 *   back. Every non-trainable variable the pass assigned (BatchNormalization's moving
 *   statistics) is put back too: only the clean pass moves the statistics, once a step.
 * - not `batchSize`: `f` hides the batch. For the same reason `gradFn` cannot cut the batch into
 *   microbatches (m-SAM with `microbatches > 1`): that is an error naming `ModelTrainer`, which
 *   sees the batch.
 *
 * With a transform that calls `gradFn`, model.fit's loss function also computes the metrics
 * once more per extra call; the logs and callbacks get the metrics of the clean pass, and
 * `model.trainOnBatch` returns the extra ones after them. `applyGradients(grads)` works for
 * transforms that need only the gradients.
 *
 * `checkFinite` (default true) checks the loss, gradients and updates for NaN and Infinity
 * before anything changes (one small read per step): a bad step throws and leaves the weights,
 * the statistics and the state as they were. Like the `tf.train` optimizers under tfjs-layers
 * 4.x's `model.fit`, it assigns the variables directly, so weight constraints
 * (`kernelConstraint`) are not applied (`ModelTrainer` applies them).
 *
 * `getWeights`/`setWeights` hold the state as named tensors, so `model.save(handler,
 * { includeOptimizer: true })` stores it; `save()`/`restore()` use Basin's checkpoint format. A
 * transform is a closure, which no config can rebuild: a model loaded with its optimizer gets a
 * BasinOptimizer without a transform that only holds the saved state (see `fromConfig`).
 */
export class BasinOptimizer extends tf.Optimizer {
  /** @nocollapse */
  static get className(): string {
    return 'BasinOptimizer';
  }

  /** The transform it trains with; undefined for one rebuilt from a saved config. */
  readonly transform: Transform<any> | undefined;
  private readonly checkFinite: boolean;
  /** The transform's name recorded in a saved config (for messages of an unbound optimizer). */
  private savedTransformName: string | undefined;
  private state_: unknown = undefined;
  private variables_: tf.Variable[] | undefined;
  private pending: PendingState | undefined;
  /** Metric scalars that extra loss passes kept: disposed at the next step. */
  private leftovers: tf.Tensor[] = [];
  /** Tensors the last getWeights made: disposed at the next getWeights, setWeights or dispose. */
  private exported: tf.Tensor[] = [];

  constructor(transform: Transform<any>, options: BasinOptimizerOptions = {}) {
    super();
    const unbound = (transform as unknown) === UNBOUND;
    const checked = runEntryPoint('BasinOptimizer', () => {
      if (!unbound) checkTransform('BasinOptimizer', 'transform', transform);
      if (options === undefined) return {};
      if (options === null || typeof options !== 'object' || Array.isArray(options)) {
        throw new BasinError(`BasinOptimizer: options must be a record such as { checkFinite: false }, got ${describeValue(options)}`);
      }
      const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
      if (unknown.length > 0) throw new BasinError(`BasinOptimizer: unknown option '${unknown[0]}' (the options are ${OPTION_KEYS.join(', ')})`);
      if (options.checkFinite !== undefined && typeof options.checkFinite !== 'boolean') {
        throw new BasinError(`BasinOptimizer: checkFinite must be a boolean, got ${describeValue(options.checkFinite)}`);
      }
      return options;
    });
    this.transform = unbound ? undefined : transform;
    this.checkFinite = checked.checkFinite ?? true;
  }

  /** The optimizer state (the transform's), or undefined before the first step. Do not dispose it. */
  get state(): unknown {
    return this.state_;
  }

  /**
   * Minimises the loss `f()` by one step of the transform. `varList` (what tfjs-layers passes)
   * selects the variables; only its trainable ones are updated. Without it, every trainable
   * variable registered with TF.js is. Returns the loss before the step when `returnCost`.
   */
  override minimize(f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    const owner = 'BasinOptimizer.minimize';
    return runEntryPoint(owner, () => {
      const transform = this.requireTransform(owner);
      if (typeof f !== 'function') throw new BasinError(`${owner}: f must be a function returning the loss, got ${describeValue(f)}`);
      this.releaseLeftovers();
      const variables = selectVariables(owner, varList);
      const stats = snapshotVariables(nonTrainableVariables());
      let loss: tf.Scalar | undefined;
      let grads: Record<string, tf.Tensor> | undefined;
      try {
        ({ loss, grads } = closureLossAndGrads(owner, f, variables));
        const gradFn = closureGradFn(owner, f, variables, (kept) => this.leftovers.push(...kept));
        this.applyStep(owner, transform, variables, grads, { gradFn, loss }, loss);
      } catch (e) {
        // The clean pass may have moved the statistics before the step failed.
        restoreVariables(stats);
        loss?.dispose();
        throw e;
      } finally {
        disposeSnapshot(stats);
        treeDispose(grads);
      }
      if (returnCost) return loss!;
      loss!.dispose();
      return null;
    });
  }

  /**
   * One step from gradients computed elsewhere (`{ [variable name]: gradient }` or a list of
   * `{ name, tensor }`); the gradients stay the caller's. A transform that needs the gradient at
   * other weights (`extras.gradFn`, the SAM family) cannot run here: use `minimize`.
   */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const owner = 'BasinOptimizer.applyGradients';
    runEntryPoint(owner, () => {
      const transform = this.requireTransform(owner);
      this.releaseLeftovers();
      const who = transform.name === undefined ? 'the transform' : `the transform ${transform.name}`;
      if (transform.computesOwnGradients) {
        throw new BasinError(`${owner}: ${who} computes its own gradients through extras.gradFn (the loss at other weights), which applyGradients cannot give; call minimize(f) instead (model.fit does), or train with ModelTrainer`);
      }
      const entries = namedEntries(owner, variableGradients);
      const registered = tf.engine().registeredVariables;
      const variables: tf.Variable[] = [];
      const grads: Record<string, tf.Tensor> = {};
      const made: tf.Tensor[] = [];
      for (const [name, grad] of entries) {
        const variable = Object.prototype.hasOwnProperty.call(registered, name) ? registered[name] : undefined;
        if (variable === undefined) throw new BasinError(`${owner}: no variable named '${name}' is registered with TF.js`);
        if (grad === null || grad === undefined) {
          if (!variable.trainable) continue; // what tf.variableGrads reports for a non-trainable variable
          made.push(tf.zerosLike(variable));
          grads[name] = made[made.length - 1];
        } else {
          if (!isTensor(grad)) throw new BasinError(`${owner}: the gradient of '${name}' must be a tensor, got ${describeValue(grad)}`);
          if (grad.isDisposed) throw new BasinError(`${owner}: the gradient of '${name}' is a disposed tensor`);
          grads[name] = grad;
        }
        variables.push(variable);
      }
      if (variables.length === 0) throw new BasinError(`${owner}: no gradients to apply`);
      const gradFn: GradFn = () => {
        throw ownError(owner, `${who} asked for extras.gradFn (the loss and gradients at other weights, which the SAM family needs), but applyGradients has only the gradients it was given. Call minimize(f) instead (model.fit and model.trainOnBatch do), or train with ModelTrainer`);
      };
      try {
        this.applyStep(owner, transform, variables, grads, { gradFn }, undefined);
      } finally {
        tf.dispose(made);
      }
    });
  }

  /** The shared step: lazy state, the transform's update, finite checks, assignment. */
  private applyStep(owner: string, transform: Transform<any>, variables: tf.Variable[], grads: Record<string, tf.Tensor>, extras: Extras, loss: tf.Scalar | undefined): void {
    const params: Record<string, tf.Variable> = {};
    for (const v of variables) params[v.name] = v;
    // A first step that fails keeps no state (a restored one, once put on the variables, stays).
    const fresh = this.state_ === undefined && this.pending === undefined;
    const previousVariables = this.variables_;
    this.ensureState(owner, transform, variables, params);
    let updates: Tree | undefined;
    let next: unknown;
    let values: Tree | undefined;
    try {
      [updates, next] = transform.update(grads, this.state_, params, extras);
      keepTensors(next);
      if (this.checkFinite) assertAllFinite([...(loss ? [['loss', loss] as [string, Tree]] : []), ['gradients', grads], ['updates', updates]]);
      values = applyUpdates(params, updates);
    } catch (e) {
      disposeReplaced(next, this.state_);
      if (fresh) {
        treeDispose(this.state_);
        this.state_ = undefined;
        this.variables_ = previousVariables;
      }
      throw e;
    } finally {
      treeDispose(updates);
    }
    const byName = values as Record<string, tf.Tensor>;
    for (const v of variables) v.assign(byName[v.name]);
    treeDispose(values);
    disposeReplaced(this.state_, next);
    this.state_ = next;
    this.incrementIterations();
  }

  /** Makes the state on the first step (or rebuilds a saved one); checks the variables are the same. */
  private ensureState(owner: string, transform: Transform<any>, variables: tf.Variable[], params: Record<string, tf.Variable>): void {
    const names = variables.map((v) => v.name);
    if (this.state_ === undefined && this.pending !== undefined) this.resolvePending(owner, transform, variables);
    if (this.state_ === undefined) {
      const state = transform.init(params);
      keepTensors(state);
      this.state_ = state;
      this.variables_ = variables;
      return;
    }
    const known = (this.variables_ ?? []).map((v) => v.name);
    const missing = known.filter((n) => !names.includes(n));
    const added = names.filter((n) => !known.includes(n));
    if (missing.length > 0 || added.length > 0) {
      const parts = [...(missing.length > 0 ? [`no longer {${missing.join(', ')}}`] : []), ...(added.length > 0 ? [`now also {${added.join(', ')}}`] : [])];
      throw new BasinError(`${owner}: the optimizer state belongs to other variables than these (${parts.join('; ')}); a BasinOptimizer trains one set of variables: make a new one for these, or dispose() this one to start a fresh state`);
    }
    this.variables_ = variables; // same names; the order may differ, the state is keyed by name
  }

  /** Puts a saved state onto the variables: by name when the names match, else by position. */
  private resolvePending(owner: string, transform: Transform<any>, variables: tf.Variable[]): void {
    // On a mismatch the saved state stays pending, so every step fails until it is replaced
    // (setWeights, restore) or dropped (dispose): training never silently starts afresh.
    const state = buildPending(owner, transform, variables, this.pending!);
    this.pending!.dispose();
    this.pending = undefined;
    this.state_ = state;
    this.variables_ = variables;
  }

  private requireTransform(owner: string): Transform<any> {
    if (this.transform !== undefined) return this.transform;
    const name = this.savedTransformName ? ` (its transform was ${this.savedTransformName})` : '';
    throw new BasinError(
      `${owner}: this BasinOptimizer was rebuilt from a saved model config${name}, and a Basin transform is a closure that no config can rebuild. ` +
        `Compile the model with a new one and move the saved state into it: const opt = basinOptimizer(transform); ` +
        `await opt.setWeights(await model.optimizer.getWeights()); model.compile({ optimizer: opt, loss })`,
    );
  }

  private releaseLeftovers(): void {
    tf.dispose(this.leftovers);
    this.leftovers = [];
  }

  private releaseExported(): void {
    tf.dispose(this.exported);
    this.exported = [];
  }

  /**
   * The step count and the state as `NamedTensor`s: `iter`, `variables` (the variable names, in
   * order) and one entry per state leaf named by its path. The tensors stay the optimizer's;
   * they are valid until the next getWeights, setWeights or dispose call.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    return runEntryPoint('BasinOptimizer.getWeights', () => {
      this.releaseExported();
      const weights = this.state_ === undefined && this.pending !== undefined
        ? this.pending.weights(this.iterations)
        : stateToNamedTensors(this.iterations, this.state_ === undefined ? undefined : this.variables_!.map((v) => v.name), this.state_);
      this.exported = weights.map((w) => tf.keep(w.tensor));
      return weights;
    });
  }

  /**
   * Takes a state from `getWeights`' layout (what `tf.loadLayersModel` passes for a model saved
   * with `includeOptimizer: true`); the given tensors stay the caller's. The state is rebuilt on
   * the variables at once if the optimizer has trained already, else on the first step: by
   * variable name when the names match, else by position, with shapes checked.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const owner = 'BasinOptimizer.setWeights';
    return runEntryPoint(owner, () => {
      const saved = readNamedTensors(owner, weightValues);
      const leaves = saved.leaves;
      const names = saved.names;
      this.install(owner, saved.iterations, names === undefined ? undefined : {
        names,
        build: (who, transform, params) => tf.tidy(() => fillState(who, transform.init(params), leaves) as tf.TensorContainer),
        weights: (iterations) => [
          { name: 'iter', tensor: tf.scalar(iterations, 'int32') },
          { name: 'variables', tensor: tf.tensor1d(names, 'string') },
          ...[...leaves].map(([name, tensor]) => ({ name, tensor: tf.clone(tensor) })),
        ],
        dispose: () => tf.dispose([...leaves.values()]),
      });
    });
  }

  /**
   * Replaces the step count and state with a saved one. When the variables are known it is put
   * on them at once, and a failure leaves the optimizer as it was; else it waits for the first step.
   */
  private install(owner: string, iterations: number, pending: PendingState | undefined): void {
    let state: unknown = undefined;
    if (pending !== undefined && this.variables_ !== undefined && this.transform !== undefined) {
      try {
        state = buildPending(owner, this.transform, this.variables_, pending);
      } finally {
        pending.dispose();
      }
      pending = undefined;
    }
    this.releaseExported();
    this.pending?.dispose();
    this.pending = pending;
    disposeReplaced(this.state_, state);
    this.state_ = state;
    this.iterations_ = iterations;
  }

  /**
   * The step count, the optimizer state and the current values of the variables it trains, as a
   * Basin checkpoint (JSON data; `ModelTrainer.restore` and `BasinOptimizer.restore` read it).
   */
  save(): TrainingCheckpoint {
    const owner = 'BasinOptimizer.save';
    return runEntryPoint(owner, () => {
      if (this.state_ === undefined) {
        throw new BasinError(`${owner}: the optimizer has no state yet (it is made, or a restored one is put on the variables, at the first step)`);
      }
      const params = Object.fromEntries(this.variables_!.map((v) => [v.name, v as tf.Tensor]));
      return saveCheckpoint({ params, state: this.state_, steps: this.iterations });
    });
  }

  /**
   * Takes the optimizer state and step count of a Basin checkpoint (from `save()` or
   * `ModelTrainer.save()`). The checkpoint's params only name the variables and fix their
   * shapes: the model's weights are not written (load them with the model). Matched as
   * `setWeights` matches; the state's structure is checked against the transform.
   */
  restore(checkpoint: TrainingCheckpoint): void {
    const owner = 'BasinOptimizer.restore';
    runEntryPoint(owner, () => {
      const { params, state, steps } = restoreCheckpoint(checkpoint);
      let names: string[];
      try {
        if (params === null || typeof params !== 'object' || Array.isArray(params) || isTensor(params)) {
          throw new BasinError(`${owner}: the checkpoint's params must be a record keyed by variable name, got ${describeValue(params)}`);
        }
        names = Object.keys(params);
        treeLeaves(params, undefined, 'checkpoint params');
      } catch (e) {
        treeDispose([params, state]);
        throw e;
      }
      treeDispose(params);
      keepTensors(state);
      let taken = false;
      this.install(owner, steps, {
        names,
        build: (who, transform, p) => {
          const mismatch = stateMismatch(transform, p, state);
          if (mismatch) {
            throw new BasinError(`${who}: the checkpoint's optimizer state does not fit this optimizer's transform${transform.name ? ` (${transform.name})` : ''}: ${mismatch}`);
          }
          taken = true;
          return state;
        },
        weights: (iterations) => stateToNamedTensors(iterations, names, state),
        dispose: () => {
          if (!taken) treeDispose(state);
        },
      });
    });
  }

  /** The config tfjs-layers saves with the model: the transform's name and the options. */
  override getConfig(): tf.serialization.ConfigDict {
    return { transform: this.transform?.name ?? this.savedTransformName ?? null, checkFinite: this.checkFinite };
  }

  /**
   * What `tf.loadLayersModel` calls for a model saved with its optimizer: a BasinOptimizer
   * without a transform (a transform is a closure; no config rebuilds it). It takes the saved
   * state through `setWeights` and hands it on through `getWeights`; `minimize` says how to
   * compile with a new one.
   * @nocollapse
   */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    const transformName = typeof config.transform === 'string' ? config.transform : undefined;
    const checkFinite = typeof config.checkFinite === 'boolean' ? config.checkFinite : undefined;
    const optimizer = new BasinOptimizer(UNBOUND as unknown as Transform<any>, checkFinite === undefined ? {} : { checkFinite });
    optimizer.savedTransformName = transformName;
    return optimizer as unknown as T;
  }

  /** Frees the state and everything the optimizer holds; a later step starts a fresh state. */
  override dispose(): void {
    this.releaseLeftovers();
    this.releaseExported();
    this.pending?.dispose();
    this.pending = undefined;
    treeDispose(this.state_);
    this.state_ = undefined;
    this.variables_ = undefined;
  }
}

tf.serialization.registerClass(BasinOptimizer);

/** Makes a `BasinOptimizer`: any Basin transform as the optimizer of `model.compile`. */
export const basinOptimizer = entryPoint('basinOptimizer', function basinOptimizer(transform: Transform<any>, options?: BasinOptimizerOptions): BasinOptimizer {
  return new BasinOptimizer(transform, options);
});

/**
 * The state a pending saved one gives for these variables (kept out of any enclosing tf.tidy):
 * by variable name when the names match, else by position (TF.js gives weights process-unique
 * names, so the same architecture built again, or loaded, has other names). The pending state
 * is left to the caller to dispose (which frees only what the result does not use).
 */
function buildPending(owner: string, transform: Transform<any>, variables: tf.Variable[], pending: PendingState): unknown {
  const current = variables.map((v) => v.name);
  const sameNames = pending.names.length === current.length && pending.names.every((n) => current.includes(n));
  if (!sameNames && pending.names.length !== current.length) {
    throw new BasinError(`${owner}: the saved optimizer state belongs to ${pending.names.length} variables ({${pending.names.join(', ')}}) but this optimizer trains ${current.length} ({${current.join(', ')}})`);
  }
  const params: Record<string, tf.Variable> = {};
  pending.names.forEach((n, i) => {
    params[n] = sameNames ? variables[current.indexOf(n)] : variables[i];
  });
  const built = pending.build(owner, transform, params);
  const state = sameNames ? built : renameStateKeys(built, new Map(pending.names.map((n, i) => [n, current[i]])));
  keepTensors(state);
  return state;
}

/** The variables `minimize` trains: the trainable ones of `varList`, or every trainable one. */
function selectVariables(owner: string, varList: unknown): tf.Variable[] {
  let list: tf.Variable[];
  if (varList === undefined || varList === null) {
    list = Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    if (list.length === 0) throw new BasinError(`${owner}: there are no trainable variables to train`);
    return list;
  }
  if (!Array.isArray(varList)) throw new BasinError(`${owner}: varList must be an array of tf.Variable, got ${describeValue(varList)}`);
  varList.forEach((v, i) => {
    if (!(v instanceof tf.Variable)) throw new BasinError(`${owner}: varList[${i}] must be a tf.Variable, got ${describeValue(v)}`);
    if (v.isDisposed) throw new BasinError(`${owner}: varList[${i}] ('${v.name}') is a disposed variable`);
  });
  list = (varList as tf.Variable[]).filter((v) => v.trainable);
  if (list.length === 0) throw new BasinError(`${owner}: none of the ${varList.length} variables in varList is trainable`);
  const names = list.map((v) => v.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new BasinError(`${owner}: varList holds the variable '${duplicate}' twice`);
  return list;
}

/** `[name, gradient]` pairs of a NamedTensorMap or a NamedTensor list. */
function namedEntries(owner: string, grads: unknown): [string, tf.Tensor | null | undefined][] {
  if (Array.isArray(grads)) {
    return grads.map((g, i) => {
      if (g === null || typeof g !== 'object' || typeof g.name !== 'string') {
        throw new BasinError(`${owner}: variableGradients[${i}] must be { name, tensor }, got ${describeValue(g)}`);
      }
      return [g.name, g.tensor];
    });
  }
  if (grads === null || typeof grads !== 'object' || isTensor(grads)) {
    throw new BasinError(`${owner}: variableGradients must be a record { [variable name]: gradient } or a list of { name, tensor }, got ${describeValue(grads)}`);
  }
  return Object.entries(grads as Record<string, tf.Tensor | null>);
}
