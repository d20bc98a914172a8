import * as tf from '@tensorflow/tfjs-core';
import { adamPrograms, lionPrograms, momentumPrograms, rmsPrograms, scaledAddPrograms, scaledAddShape, type Dialect, type ProgramSpec } from './formulas';
import { BASIN_ADAM_UPDATE, BASIN_LION_UPDATE, BASIN_MOMENTUM_UPDATE, BASIN_RMS_UPDATE, BASIN_SCALED_ADD } from './names';

// WebGPU versions of the fused update kernels: one compute program per output, run with the
// backend's public `runWebGPUProgram` (flat dispatch, one entry per invocation).

interface WebGPUBackendLike {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], outputDtype: tf.DataType, programDefinedUniform?: { type: string; data: number[] }[]): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

const WORKGROUP = 64;

const HELPERS = `
  fn div_(a : f32, b : f32) -> f32 {
    if (a == b) { return 1.0; }
    return a / b;
  }
  fn sign_(x : f32) -> f32 {
    if (x < 0.0) { return -1.0; }
    if (x > 0.0) { return 1.0; }
    return 0.0;
  }`;

const buffer = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** A WebGPUProgram (the interface of @tensorflow/tfjs-backend-webgpu's webgpu_program). */
class BasinFusedUpdateProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;
  uniforms?: string;
  private readonly spec: ProgramSpec;

  constructor(spec: ProgramSpec, shape: number[]) {
    this.spec = spec;
    this.variableNames = spec.inputs.map(buffer);
    this.outputShape = shape;
    this.shaderKey = `basinFused_${spec.key}`;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(shape) / WORKGROUP), 1, 1];
    if (spec.uniforms.length > 0) this.uniforms = spec.uniforms.map((name) => `${name} : f32,`).join(' ');
  }

  getUserCode(): string {
    const dialect: Dialect = { let: (name, expr) => `let ${name} = ${expr};`, u: (name) => `uniforms.${name}` };
    const reads = this.spec.inputs.map((name) => `let ${name} = get${buffer(name)}ByOutputIndex(index);`).join('\n');
    return `${HELPERS}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${reads}
          ${this.spec.body(dialect)}
          setOutputAtIndex(index, r);
        }
      }`;
  }
}

function run(backend: object, programs: ProgramSpec[], inputs: tf.NamedTensorInfoMap, attrs: Record<string, unknown>): tf.TensorInfo[] {
  const gpu = backend as WebGPUBackendLike;
  // Every program writes a tensor of the first input's shape (g; x for BasinScaledAdd).
  const shape = inputs[programs[0].inputs[0]]!.shape.slice();
  const outputs: tf.TensorInfo[] = [];
  try {
    for (const spec of programs) {
      const infos = spec.inputs.map((name) => inputs[name]!);
      const uniforms = spec.uniforms.map((name) => ({ type: 'float32', data: [attrs[name] as number] }));
      outputs.push(gpu.runWebGPUProgram(new BasinFusedUpdateProgram(spec, shape), infos, 'float32', uniforms));
    }
  } catch (e) {
    outputs.forEach((info) => gpu.disposeData(info.dataId));
    throw e;
  }
  return outputs;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

export const WEBGPU_FUSED_KERNELS: { kernelName: string; kernelFunc: (args: KernelArgs) => tf.TensorInfo[] }[] = [
  { kernelName: BASIN_ADAM_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, adamPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_MOMENTUM_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, momentumPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_LION_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, lionPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_RMS_UPDATE, kernelFunc: ({ inputs, backend, attrs }) => run(backend, rmsPrograms(attrs as never), inputs, attrs as never) },
  { kernelName: BASIN_SCALED_ADD, kernelFunc: ({ inputs, backend, attrs }) => run(backend, scaledAddPrograms(scaledAddShape(inputs)), inputs, attrs as never) },
];
