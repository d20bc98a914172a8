import * as tf from '@tensorflow/tfjs-core';
import { adamPrograms, lionPrograms, momentumPrograms, rmsPrograms, scaledAddPrograms, scaledAddShape, type Dialect, type ProgramSpec } from './formulas';
import { BASIN_ADAM_UPDATE, BASIN_LION_UPDATE, BASIN_MOMENTUM_UPDATE, BASIN_RMS_UPDATE, BASIN_SCALED_ADD } from './names';

// WebGL versions of the fused update kernels: one GPGPU program per output (WebGL programs
// write one texture each), run with the backend's public `compileAndRun`. Packed (vec4) when
// TF.js packs binary ops (its default), so no pack/unpack programs are added around them.

/** The part of MathBackendWebGL these kernels use (@tensorflow/tfjs-backend-webgl's GPGPUProgram). */
interface WebGLBackendLike {
  compileAndRun(program: object, inputs: tf.TensorInfo[], outputDtype?: tf.DataType, customUniformValues?: number[][]): tf.TensorInfo;
  disposeIntermediateTensorInfo(info: tf.TensorInfo): void;
}

/** Input name in the shader: capitalised, so `getGAtOutCoords()` reads the sampler `G`. */
const sampler = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

const HELPERS = {
  packed: `
    vec4 div_(vec4 a, vec4 b) {
      vec4 result = a / b;
      if (a.x == b.x) { result.x = 1.; }
      if (a.y == b.y) { result.y = 1.; }
      if (a.z == b.z) { result.z = 1.; }
      if (a.w == b.w) { result.w = 1.; }
      return result;
    }
    vec4 div_(vec4 a, float b) { return div_(a, vec4(b)); }
    vec4 sign_(vec4 x) {
      vec4 s = sign(x);
      bvec4 n = isnan(x);
      return vec4(n.x ? 0. : s.x, n.y ? 0. : s.y, n.z ? 0. : s.z, n.w ? 0. : s.w);
    }`,
  unpacked: `
    float div_(float a, float b) {
      if (a == b) { return 1.0; }
      return a / b;
    }
    float sign_(float x) {
      if (isnan(x)) { return 0.0; }
      return sign(x);
    }`,
};

/** A GPGPUProgram (the interface of @tensorflow/tfjs-backend-webgl's gpgpu_math). */
class BasinFusedUpdateProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  packedInputs: boolean;
  packedOutput: boolean;
  enableShapeUniforms: boolean;
  customUniforms: { name: string; type: 'float' }[];

  constructor(spec: ProgramSpec, shape: number[], packed: boolean, userCode: string) {
    this.variableNames = spec.inputs.map(sampler);
    this.outputShape = shape;
    this.packedInputs = packed;
    this.packedOutput = packed;
    this.enableShapeUniforms = tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS') && shape.length <= 4;
    this.customUniforms = spec.uniforms.map((name) => ({ name: `basin_${name}`, type: 'float' as const }));
    this.userCode = userCode;
  }
}

const codeCache = new Map<string, string>();

function userCode(spec: ProgramSpec, packed: boolean): string {
  const key = `${spec.key}:${packed}`;
  let code = codeCache.get(key);
  if (code === undefined) {
    const type = packed ? 'vec4' : 'float';
    const dialect: Dialect = { let: (name, expr) => `${type} ${name} = ${expr};`, u: (name) => `basin_${name}` };
    const reads = spec.inputs.map((name) => `${type} ${name} = get${sampler(name)}AtOutCoords();`).join('\n');
    code = `${packed ? HELPERS.packed : HELPERS.unpacked}
    void main() {
      ${reads}
      ${spec.body(dialect)}
      setOutput(r);
    }`;
    codeCache.set(key, code);
  }
  return code;
}

function run(backend: object, programs: ProgramSpec[], inputs: tf.NamedTensorInfoMap, attrs: Record<string, unknown>): tf.TensorInfo[] {
  const gl = backend as WebGLBackendLike;
  const packed = tf.env().getBool('WEBGL_PACK_BINARY_OPERATIONS');
  // Every program writes a tensor of the first input's shape (g; x for BasinScaledAdd).
  const shape = inputs[programs[0].inputs[0]]!.shape.slice();
  const outputs: tf.TensorInfo[] = [];
  try {
    for (const spec of programs) {
      const program = new BasinFusedUpdateProgram(spec, shape, packed, userCode(spec, packed));
      const infos = spec.inputs.map((name) => inputs[name]!);
      outputs.push(gl.compileAndRun(program, infos, 'float32', spec.uniforms.map((name) => [attrs[name] as number])));
    }
  } catch (e) {
    outputs.forEach((info) => gl.disposeIntermediateTensorInfo(info));
    throw e;
  }
  return outputs;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

export const WEBGL_FUSED_KERNELS: { kernelName: string; kernelFunc: (args: KernelArgs) => tf.TensorInfo[] }[] = [
  { kernelName: BASIN_ADAM_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, adamPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_MOMENTUM_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, momentumPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_LION_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, lionPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_RMS_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, rmsPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_SCALED_ADD, kernelFunc: ({ inputs, backend, attrs }) => run(backend, scaledAddPrograms(scaledAddShape(inputs)), inputs, attrs as never) },
];
