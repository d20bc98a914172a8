import type { Extras, Transform } from '../transform';
import type { Tree } from '../tree';
import { runAdam, runClipByGlobalNorm, runLion, runMomentum, runRms, type TailContext } from './families';
import { applyRequestFor, fusionSpec, type DecaySpec, type FusionSpec, type IdentitySpec, type ScheduleSpec, type TraceSpec } from './spec';

type Run = (updates: Tree, state: unknown[], params: Tree | undefined, apply: boolean) => [Tree, unknown[]] | undefined;

const isKind = <K extends FusionSpec['kind']>(spec: FusionSpec | undefined, ...kinds: K[]): spec is Extract<FusionSpec, { kind: K }> =>
  spec !== undefined && (kinds as string[]).includes(spec.kind);

/**
 * The fused plan for a chain of tagged pieces, when the chain is one a kernel covers:
 * - scaleByAdam, [addDecayedWeights], scaleByLearningRate (adam, adamw);
 * - trace | identity, scaleByLearningRate (sgd with or without momentum);
 * - scaleByLion, [addDecayedWeights], scaleByLearningRate (lion);
 * - scaleByRms, scaleByLearningRate, trace | identity (rmsprop).
 */
function planFor(specs: (FusionSpec | undefined)[]): Run | undefined {
  const [first] = specs;
  const last = specs[specs.length - 1];
  if ((isKind(first, 'adam') || isKind(first, 'lion')) && (specs.length === 2 || specs.length === 3) && isKind(last, 'schedule')) {
    const decay = specs.length === 3 ? specs[1] : undefined;
    if (specs.length === 3 && !isKind(decay, 'decay')) return undefined;
    return (updates, state, params, apply) => {
      const ctx: TailContext = {
        decay: decay ? { spec: decay as DecaySpec, state: state[1] } : undefined,
        schedule: { spec: last, state: state[specs.length - 1] },
        params,
        apply,
      };
      const r = isKind(first, 'adam') ? runAdam(first, state[0], updates, ctx) : runLion(first as Extract<FusionSpec, { kind: 'lion' }>, state[0], updates, ctx);
      if (!r) return undefined;
      return [r.out, decay ? [r.state, r.tail.nextDecayState, r.tail.nextScheduleState] : [r.state, r.tail.nextScheduleState]];
    };
  }
  if (isKind(first, 'trace', 'identity') && specs.length === 2 && isKind(last, 'schedule')) {
    return (updates, state, params, apply) => {
      const r = runMomentum(first as TraceSpec | IdentitySpec, state[0], updates, { schedule: { spec: last, state: state[1] }, params, apply });
      return r && [r.out, [r.state, r.tail.nextScheduleState]];
    };
  }
  if (isKind(first, 'rms') && specs.length === 3 && isKind(specs[1], 'schedule') && isKind(last, 'trace', 'identity')) {
    const schedule = specs[1] as ScheduleSpec;
    return (updates, state, params, apply) => {
      const r = runRms(first, state[0], updates, { schedule: { spec: schedule, state: state[1] }, params, apply }, { spec: last as TraceSpec | IdentitySpec, state: state[2] });
      return r && [r.out, [r.state, r.tail.nextScheduleState, r.afterState]];
    };
  }
  return undefined;
}

/**
 * Gives a chain built from tagged pieces (`chain(...pieces)`, passed as `composed`) one fused
 * kernel per leaf when the active backend has one: same init, same state structure and values,
 * same updates to float32 rounding. Otherwise (fused updates off, no kernel for the backend, an
 * unexpected state) the composed chain runs. A chain no kernel covers is returned unchanged.
 */
export function fuseChain<S>(composed: Transform<S>, pieces: readonly Transform<any>[]): Transform<S> {
  const run = planFor(pieces.map(fusionSpec));
  if (!run) return composed;
  const fused: Transform<S> = {
    init: (params) => composed.init(params),
    update: (updates, state, params, extras?: Extras) => {
      if (Array.isArray(state) && state.length === pieces.length) {
        const request = applyRequestFor(extras, state, params);
        const result = run(updates, state, params, request !== undefined);
        if (result) {
          if (request) request.applied = true;
          return result as [Tree, S];
        }
      }
      return composed.update(updates, state, params, extras);
    },
  };
  if (composed.computesOwnGradients) Object.defineProperty(fused, 'computesOwnGradients', { value: true, enumerable: true });
  return fused;
}

/**
 * The fused update of one tagged building block used on its own (scaleByAdam, trace, scaleByLion,
 * scaleByRms, clipByGlobalNorm), or undefined when the composed path must run.
 */
export function fusedPieceUpdate(spec: FusionSpec, updates: Tree, state: unknown, params: Tree | undefined, extras: Extras | undefined): [Tree, any] | undefined {
  if (spec.kind === 'clipByGlobalNorm') {
    const out = runClipByGlobalNorm(spec, updates);
    return out && [out, state];
  }
  const request = applyRequestFor(extras, state, params);
  const ctx: TailContext = { params, apply: request !== undefined };
  const r =
    spec.kind === 'adam' ? runAdam(spec, state, updates, ctx)
    : spec.kind === 'trace' ? runMomentum(spec, state, updates, ctx)
    : spec.kind === 'lion' ? runLion(spec, state, updates, ctx)
    : spec.kind === 'rms' ? runRms(spec, state, updates, ctx)
    : undefined;
  if (!r) return undefined;
  if (request) request.applied = true;
  return [r.out, r.state];
}
