import type { AdamAttrs, LionAttrs, MomentumAttrs, RmsAttrs, ScaledAddShape, TailAttrs } from './names';

// The per-entry formulas of the fused update kernels, written once for GLSL (WebGL) and WGSL
// (WebGPU). A GPU program writes one tensor, so a kernel with k outputs runs k programs; each
// reads only the inputs its output needs. Booleans are baked into the code (a few variants per
// kernel); numbers are uniforms, so a schedule never recompiles a shader. The op order is the
// composed path's, with TF.js's own conventions: a / b is 1 where a == b (its RealDiv), and the
// sign of NaN is 0 (its Sign).

/** How one shading language spells a variable, a uniform and a literal. */
export interface Dialect {
  /** `T name = expr;` */
  let(name: string, expr: string): string;
  /** A numeric attribute, by name. */
  u(name: string): string;
}

/** One GPU program: the inputs it reads (in order), the uniforms it uses, and its body. */
export interface ProgramSpec {
  /** Stable id of the code (kernel, output, baked booleans): the shader cache key. */
  key: string;
  inputs: string[];
  uniforms: string[];
  /** Statements that leave the output value in `r`. */
  body: (d: Dialect) => string;
}

function tailStatements(d: Dialect, a: TailAttrs & { hasDecay?: boolean }, x: string): string[] {
  const lines: string[] = [];
  if (a.hasDecay) {
    lines.push(d.let('xd', `${x} + p * ${d.u('weightDecay')}`));
    x = 'xd';
  }
  if (a.hasScale) {
    lines.push(d.let('xs', `${x} * ${d.u('scale')}`));
    x = 'xs';
  }
  if (a.apply) {
    lines.push(d.let('xa', `p + ${x}`));
    x = 'xa';
  }
  lines.push(d.let('r', x));
  return lines;
}

function tailInputs(a: TailAttrs & { hasDecay?: boolean }): string[] {
  return a.hasDecay || a.apply ? ['p'] : [];
}

function tailUniforms(a: TailAttrs & { hasDecay?: boolean }): string[] {
  return [...(a.hasDecay ? ['weightDecay'] : []), ...(a.hasScale ? ['scale'] : [])];
}

const flags = (...bits: boolean[]) => bits.map((b) => (b ? '1' : '0')).join('');

export function adamPrograms(a: AdamAttrs): ProgramSpec[] {
  const variant = flags(a.nesterov, a.hasEpsRoot, a.hasDecay, a.hasScale, a.apply);
  const main: ProgramSpec = {
    key: `adam0_${variant}`,
    inputs: ['g', 'm', 'v', ...tailInputs(a)],
    uniforms: ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'muScale', ...(a.nesterov ? ['gScale'] : []), ...(a.hasEpsRoot ? ['epsRoot'] : []), 'eps', ...tailUniforms(a)],
    body: (d) =>
      [
        d.let('m1', `m * ${d.u('b1')} + g * ${d.u('oneMinusB1')}`),
        d.let('v1', `v * ${d.u('b2')} + (g * g) * ${d.u('oneMinusB2')}`),
        d.let('num', a.nesterov ? `m1 * ${d.u('muScale')} + g * ${d.u('gScale')}` : `m1 * ${d.u('muScale')}`),
        d.let('root', a.hasEpsRoot ? `sqrt(v1 + ${d.u('epsRoot')})` : 'sqrt(v1)'),
        d.let('x', `div_(num, root + ${d.u('eps')})`),
        ...tailStatements(d, a, 'x'),
      ].join('\n'),
  };
  const mu: ProgramSpec = { key: 'adam1', inputs: ['g', 'm'], uniforms: ['b1', 'oneMinusB1'], body: (d) => d.let('r', `m * ${d.u('b1')} + g * ${d.u('oneMinusB1')}`) };
  const nu: ProgramSpec = { key: 'adam2', inputs: ['g', 'v'], uniforms: ['b2', 'oneMinusB2'], body: (d) => d.let('r', `v * ${d.u('b2')} + (g * g) * ${d.u('oneMinusB2')}`) };
  return [main, mu, nu];
}

export function momentumPrograms(a: MomentumAttrs): ProgramSpec[] {
  const variant = flags(a.hasTrace, a.nesterov, a.hasScale, a.apply);
  const x = !a.hasTrace ? 'g' : a.nesterov ? 'g + t1 * decay' : 't1';
  const main: ProgramSpec = {
    key: `momentum0_${variant}`,
    inputs: ['g', ...(a.hasTrace ? ['t'] : []), ...tailInputs(a)],
    uniforms: [...(a.hasTrace ? ['decay'] : []), ...tailUniforms(a)],
    body: (d) =>
      [
        ...(a.hasTrace ? [d.let('t1', `g + t * ${d.u('decay')}`)] : []),
        d.let('x', x.replace('decay', d.u('decay'))),
        ...tailStatements(d, a, 'x'),
      ].join('\n'),
  };
  if (!a.hasTrace) return [main];
  const trace: ProgramSpec = { key: 'momentum1', inputs: ['g', 't'], uniforms: ['decay'], body: (d) => d.let('r', `g + t * ${d.u('decay')}`) };
  return [main, trace];
}

export function lionPrograms(a: LionAttrs): ProgramSpec[] {
  const variant = flags(a.hasDecay, a.hasScale, a.apply);
  const main: ProgramSpec = {
    key: `lion0_${variant}`,
    inputs: ['g', 'm', ...tailInputs(a)],
    uniforms: ['b1', 'oneMinusB1', ...tailUniforms(a)],
    body: (d) => [d.let('c', `m * ${d.u('b1')} + g * ${d.u('oneMinusB1')}`), d.let('x', 'sign_(c)'), ...tailStatements(d, a, 'x')].join('\n'),
  };
  const mu: ProgramSpec = { key: 'lion1', inputs: ['g', 'm'], uniforms: ['b2', 'oneMinusB2'], body: (d) => d.let('r', `m * ${d.u('b2')} + g * ${d.u('oneMinusB2')}`) };
  return [main, mu];
}

export function rmsPrograms(a: RmsAttrs): ProgramSpec[] {
  const variant = flags(a.epsInSqrt, a.centered, a.hasTrace, a.nesterov, a.hasScale, a.apply);
  const step = (d: Dialect): string[] => [
    d.let('nu1', `nu * ${d.u('decay')} + (g * g) * ${d.u('oneMinusDecay')}`),
    ...(a.centered
      ? [
          d.let('mu1', `mu * ${d.u('decay')} + g * ${d.u('oneMinusDecay')}`),
          d.let('q', `div_(mu1, ${d.u('correction')})`),
          d.let('variance', `div_(nu1, ${d.u('correction')}) - q * q`),
        ]
      : [d.let('variance', `div_(nu1, ${d.u('correction')})`)]),
    d.let('denom', a.epsInSqrt ? `sqrt(variance + ${d.u('eps')})` : `sqrt(variance) + ${d.u('eps')}`),
    d.let('s0', 'div_(g, denom)'),
    d.let('s', a.hasScale ? `s0 * ${d.u('scale')}` : 's0'),
  ];
  const stepInputs = ['g', 'nu', ...(a.centered ? ['mu'] : [])];
  const stepUniforms = ['decay', 'oneMinusDecay', 'correction', 'eps', ...(a.hasScale ? ['scale'] : [])];
  const main: ProgramSpec = {
    key: `rms0_${variant}`,
    inputs: [...stepInputs, ...(a.hasTrace ? ['t'] : []), ...(a.apply ? ['p'] : [])],
    uniforms: [...stepUniforms, ...(a.hasTrace ? ['traceDecay'] : [])],
    body: (d) =>
      [
        ...step(d),
        ...(a.hasTrace ? [d.let('t1', `s + t * ${d.u('traceDecay')}`), d.let('x', a.nesterov ? `s + t1 * ${d.u('traceDecay')}` : 't1')] : [d.let('x', 's')]),
        d.let('r', a.apply ? 'p + x' : 'x'),
      ].join('\n'),
  };
  const programs = [main];
  programs.push({ key: 'rms1', inputs: ['g', 'nu'], uniforms: ['decay', 'oneMinusDecay'], body: (d) => d.let('r', `nu * ${d.u('decay')} + (g * g) * ${d.u('oneMinusDecay')}`) });
  if (a.centered) programs.push({ key: 'rms2', inputs: ['g', 'mu'], uniforms: ['decay', 'oneMinusDecay'], body: (d) => d.let('r', `mu * ${d.u('decay')} + g * ${d.u('oneMinusDecay')}`) });
  if (a.hasTrace) {
    programs.push({
      key: `rms3_${variant}`,
      inputs: [...stepInputs, 't'],
      uniforms: [...stepUniforms, 'traceDecay'],
      body: (d) => [...step(d), d.let('r', `s + t * ${d.u('traceDecay')}`)].join('\n'),
    });
  }
  return programs;
}

/**
 * `treeScale` / `treeAddScaled` (SAM's ascent point, clipping's scaling): `x * factor`, then
 * `addend +` that, as `tf.add(addend, tf.mul(x, factor))`. The factor is a rank-0 input (read at
 * every entry) or the `scale` uniform.
 */
export function scaledAddPrograms(a: ScaledAddShape): ProgramSpec[] {
  return [
    {
      key: `scaledAdd_${flags(a.hasFactor, a.hasAddend)}`,
      inputs: ['x', ...(a.hasFactor ? ['factor'] : []), ...(a.hasAddend ? ['addend'] : [])],
      uniforms: a.hasFactor ? [] : ['scale'],
      body: (d) => [d.let('s', `x * ${a.hasFactor ? 'factor' : d.u('scale')}`), d.let('r', a.hasAddend ? 'addend + s' : 's')].join('\n'),
    },
  ];
}

/** The program shape for the inputs a BasinScaledAdd call was given. */
export function scaledAddShape(inputs: Record<string, unknown>): ScaledAddShape {
  return { hasFactor: inputs.factor !== undefined, hasAddend: inputs.addend !== undefined };
}
