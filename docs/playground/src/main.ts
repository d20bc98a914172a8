// Basin playground: pick optimizers and hyperparameters, watch them race on 2D surfaces and
// train a tiny MLP, live on WebGL (or ?backend=wasm|cpu|webgpu).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { useBackend, type BackendChoice, type BackendName } from '@basin/backends';
import { drawLosses, drawSurface, canvasToSurface } from './draw';
import { MlpRace, SurfaceRace } from './race';
import { OPTIMIZERS, type OptimizerSpec } from './optimizers';
import { SURFACES, type Surface } from './surfaces';
import { mountVarianceDemo, type VarianceRace } from './variance';
import { LECTURES, type LectureRun, type LectureVerdict } from './lectures';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let surface: Surface = SURFACES[0];
let start: [number, number] = [...surface.start];
let race: SurfaceRace | undefined;
let mlp: MlpRace | undefined;
let running = false;
const hypers = new Map<string, Record<string, number>>();
const enabled = new Set<string>(OPTIMIZERS.filter((o) => o.make).map((o) => o.id));

function buildControls(): void {
  const table = $('optimizers');
  for (const o of OPTIMIZERS) {
    hypers.set(o.id, Object.fromEntries(o.hypers.map((h) => [h.key, h.value])));
    const row = document.createElement('tr');
    row.dataset.optimizer = o.id;
    const available = o.make !== undefined;
    row.innerHTML =
      `<td><input type="checkbox" ${available ? 'checked' : 'disabled'}></td>` +
      `<td><span class="swatch" style="background:${o.color}"></span>${o.name}${available ? '' : ' <em>(unavailable: needs ' + o.source + ')</em>'}</td>` +
      `<td>${o.hypers.map((h) => `<label>${h.label} <input type="number" data-key="${h.key}" value="${h.value}" step="${h.step}" ${available ? '' : 'disabled'}></label>`).join(' ')}</td>`;
    row.querySelector<HTMLInputElement>('input[type=checkbox]')!.onchange = (e) => {
      if ((e.target as HTMLInputElement).checked) enabled.add(o.id);
      else enabled.delete(o.id);
      reset();
    };
    row.querySelectorAll<HTMLInputElement>('input[type=number]').forEach((input) => {
      input.onchange = () => {
        hypers.get(o.id)![input.dataset.key!] = Number(input.value);
        reset();
      };
    });
    table.appendChild(row);
  }
  const select = $<HTMLSelectElement>('surface');
  for (const s of SURFACES) select.add(new Option(s.title, s.id));
  select.onchange = () => setSurface(select.value);
  $('run').onclick = () => (running ? pause() : play());
  $('reset').onclick = () => reset();
  $<HTMLCanvasElement>('surface-canvas').onclick = (ev) => {
    start = canvasToSurface($<HTMLCanvasElement>('surface-canvas'), surface, ev);
    reset();
  };
}

function chosen(lrScale: number): { spec: OptimizerSpec; transform: ReturnType<NonNullable<OptimizerSpec['make']>> }[] {
  const out = [];
  for (const spec of OPTIMIZERS) {
    if (!spec.make || !enabled.has(spec.id)) continue;
    try {
      out.push({ spec, transform: spec.make(hypers.get(spec.id)!, spec.scaled ? lrScale : 1) });
    } catch (e) {
      setStatus(`${spec.name}: ${(e as Error).message}`);
    }
  }
  return out;
}

function reset(): void {
  race?.dispose();
  mlp?.dispose();
  race = new SurfaceRace(surface, start, chosen(surface.lrScale));
  mlp = new MlpRace(chosen(1));
  draw();
}

function setSurface(id: string): void {
  surface = SURFACES.find((s) => s.id === id) ?? SURFACES[0];
  $<HTMLSelectElement>('surface').value = surface.id;
  $('surface-note').textContent = surface.note;
  start = [...surface.start];
  reset();
}

function draw(): void {
  if (!race || !mlp) return;
  drawSurface($<HTMLCanvasElement>('surface-canvas'), surface, race.racers, start);
  drawLosses($<HTMLCanvasElement>('loss-canvas'), mlp.racers, `tiny MLP (2-8-1) on two moons: loss, step ${mlp.steps}`);
  const errors = [...race.racers, ...mlp.racers].filter((r) => r.error).map((r) => `${r.spec.name}: ${r.error}`);
  $('errors').textContent = errors.join('\n');
  $('step-count').textContent = `step ${race.steps} | tensors ${tf.memory().numTensors}`;
}

function stepAll(n: number): void {
  for (let i = 0; i < n; i++) {
    race!.stepAll();
    mlp!.stepAll();
  }
  draw();
}

function play(): void {
  running = true;
  $('run').textContent = 'Pause';
  const frame = () => {
    if (!running) return;
    stepAll(Number($<HTMLInputElement>('steps-per-frame').value) || 1);
    if (race!.steps >= Number($<HTMLInputElement>('max-steps').value)) pause();
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

function pause(): void {
  running = false;
  $('run').textContent = 'Run';
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

/** Hooks for the browser test (tools/browser/playground.ts). */
export interface PlaygroundApi {
  ready: Promise<BackendChoice>;
  surfaces: string[];
  available: string[];
  setSurface(id: string): void;
  runSteps(n: number): void;
  snapshot(): {
    surface: string;
    steps: number;
    numTensors: number;
    racers: { id: string; start: [number, number]; end: [number, number]; points: number; error?: string }[];
    /** `tail`: mean of the last five losses (SA-SAM's adaptive steps make single losses jumpy). */
    mlp: { id: string; first: number; last: number; tail: number; error?: string }[];
  };
  /** The variance-reduction demo's race (SGD, SVRG, SAG on 2-D least squares). */
  variance(): VarianceRace;
  /** The lecture demos (lectures.ts), each drawn into the lecture panel. */
  lectures: {
    ids: string[];
    run(id: string, options?: object): Promise<LectureRun>;
    /** Runs a demo with its small test options and judges the claim it shows. */
    check(id: string): Promise<LectureVerdict & LectureRun>;
  };
}

let varianceDemo: ReturnType<typeof mountVarianceDemo> | undefined;

/** Runs one lecture demo in the lecture panel, with the race paused (they share the backend). */
async function runLecture<R>(draw: (el: HTMLElement) => Promise<R>): Promise<R> {
  pause();
  const el = $('lecture');
  el.replaceChildren();
  return draw(el);
}

function lectureById(id: string) {
  const found = LECTURES.find((l) => l.id === id);
  if (!found) throw new Error(`no lecture demo '${id}'; there are: ${LECTURES.map((l) => l.id).join(', ')}`);
  return found;
}

function buildLectureButtons(): void {
  const bar = $('lecture-buttons');
  for (const l of LECTURES) {
    const button = document.createElement('button');
    button.id = `lecture-${l.id}`;
    button.textContent = l.label;
    button.onclick = async () => {
      button.disabled = true;
      try {
        await runLecture((el) => l.run(el));
      } catch (e) {
        $('errors').textContent = `${l.label}: ${(e as Error).message}`;
      } finally {
        button.disabled = false;
      }
    };
    bar.append(button, ' ');
  }
}

async function init(): Promise<BackendChoice> {
  const requested = new URLSearchParams(location.search).get('backend') as BackendName | null;
  const choice = await useBackend(requested ?? ['webgl', 'wasm', 'cpu'], {
    wasmPaths: new URL('./', location.href).href,
    loaders: { webgpu: () => import('@tensorflow/tfjs-backend-webgpu') },
  });
  setStatus(`backend ${choice.name} (float${choice.precision}) - ${choice.reason}` + (choice.warnings.length ? ` WARNING: ${choice.warnings.join(' ')}` : ''));
  buildControls();
  setSurface(surface.id);
  varianceDemo = mountVarianceDemo($('variance'));
  buildLectureButtons();
  return choice;
}

const ready = init();
ready.catch((e) => setStatus(`could not start: ${(e as Error).message}`));

(window as unknown as { __playground: PlaygroundApi }).__playground = {
  ready,
  surfaces: SURFACES.map((s) => s.id),
  available: OPTIMIZERS.filter((o) => o.make).map((o) => o.id),
  setSurface,
  runSteps: stepAll,
  snapshot: () => ({
    surface: surface.id,
    steps: race?.steps ?? 0,
    numTensors: tf.memory().numTensors,
    racers: (race?.racers ?? []).map((r) => ({ id: r.spec.id, start: r.path[0], end: r.path[r.path.length - 1], points: r.path.length, error: r.error })),
    mlp: (mlp?.racers ?? []).map((r) => ({
      id: r.spec.id,
      first: r.losses[0],
      last: r.losses[r.losses.length - 1],
      tail: r.losses.slice(-5).reduce((a, b) => a + b, 0) / Math.min(5, r.losses.length),
      error: r.error,
    })),
  }),
  variance: () => varianceDemo!.race(),
  lectures: {
    ids: LECTURES.map((l) => l.id),
    run: (id, options) => runLecture((el) => lectureById(id).run(el, options)),
    check: async (id) => {
      const l = lectureById(id);
      const result = await runLecture((el) => l.run(el, l.quick));
      return { ...result, ...l.verify(result) };
    },
  },
};
