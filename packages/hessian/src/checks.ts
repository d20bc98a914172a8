// Argument checks of @basin/hessian's entry points. Each throws a BasinError that starts with the
// public name (`owner`) and names the parameter or tree path and what was expected. The checks
// other packages share (functions, string choices, float trees) come from @basin/core.
import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkBoolean as checkBooleanOption, checkFn, describeArgument, floatLeaves, isTensor } from '@basin/core';

/** An options argument: undefined gives `{}`; anything but a plain record is refused. */
export function optionsRecord<O extends object>(owner: string, options: O | undefined, name = 'options'): O {
  if (options === undefined) return {} as O;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isTensor(options)) {
    throw new BasinError(`${owner}: ${name} must be a record of options (or undefined), got ${describeArgument(options)}`);
  }
  return options;
}

/**
 * A boolean option (`undefined` gives the default). Core's `checkBoolean`, worded like this
 * package's other checks (`got 'yes'`, not core's default `got string yes`).
 */
export function checkBoolean(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  return checkBooleanOption(owner, name, value, { fallback, describe: describeArgument });
}

/** Something with a `matvec` function and a positive integer `size` (a `LinearOperator`). */
export function checkOperator(owner: string, op: unknown): void {
  const o = op as { matvec?: unknown; size?: unknown } | null | undefined;
  if (typeof o !== 'object' || o === null || typeof o.matvec !== 'function') {
    throw new BasinError(`${owner}: op must be a linear operator with size > 0 and a matvec function (e.g. hessian(objective)), got ${describeArgument(op)}`);
  }
  if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size <= 0) {
    throw new BasinError(`${owner}: operator must have size > 0 (an integer) and a matvec function (e.g. hessian(objective)), got size ${describeArgument(o.size)}`);
  }
}

/**
 * `op.matvec` that checks what it returns: a float32 vector of length `op.size` (an operator
 * written by hand can get this wrong). A wrong result is disposed before the error.
 */
export function checkedMatvec(op: { size: number; matvec(v: tf.Tensor1D): tf.Tensor1D }): (v: tf.Tensor1D) => tf.Tensor1D {
  return (v) => {
    const out = op.matvec(v) as unknown;
    if (!isTensor(out) || out.rank !== 1 || out.size !== op.size || out.dtype !== 'float32') {
      const got = describeArgument(out);
      if (isTensor(out) && out !== v) out.dispose();
      throw new BasinError(`op.matvec must return a new float32 vector of length ${op.size}, got ${isTensor(out) ? `${got} of dtype ${out.dtype}` : got}`);
    }
    return out as tf.Tensor1D;
  };
}

/** Something with the methods of an `Objective` (from `functionObjective` or `modelObjective`). */
export function checkObjective(owner: string, objective: unknown): void {
  const o = objective as Record<string, unknown> | null | undefined;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    typeof o.loss === 'function' &&
    typeof o.valueAndGrad === 'function' &&
    typeof o.exactHvp === 'function' &&
    o.params !== undefined &&
    o.params !== null;
  if (!ok) {
    throw new BasinError(`${owner}: objective must be an Objective from functionObjective(loss, params, data) or modelObjective(model, options), got ${describeArgument(objective)}`);
  }
  // The base point belongs to the caller: it must still be alive.
  floatLeaves(owner, 'objective.params', (o as { params: unknown }).params);
}

/** A progress callback: undefined or a function. */
export function checkProgress(owner: string, onProgress: unknown): void {
  checkFn(owner, 'onProgress', onProgress, 'a function', true);
}
