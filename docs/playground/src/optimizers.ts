// The optimizers the playground races, built from the real Basin packages. A package that
// does not export its optimizer (yet) shows as unavailable instead of breaking the page.
import * as core from '@basin/core';
import * as samPkg from '@basin/sam';
import * as mSamPkg from '@basin/m-sam';
import * as saSamPkg from '@basin/sa-sam';
import * as muonPkg from '@basin/muon';
import * as shampooPkg from '@basin/shampoo';
import type { Transform } from '@basin/core';

type Factory = (...args: any[]) => Transform<any>;
const fn = (ns: Record<string, unknown>, name: string): Factory | undefined => (typeof ns[name] === 'function' ? (ns[name] as Factory) : undefined);

export interface Hyper {
  key: string;
  label: string;
  value: number;
  step: number;
}

export interface OptimizerSpec {
  id: string;
  name: string;
  color: string;
  /** Package and export it needs; `make` is undefined when absent. */
  source: string;
  hypers: Hyper[];
  /** lr scale is the surface's suggestion: SGD-like steps get it, sign-like steps do not. */
  scaled: boolean;
  make?: (h: Record<string, number>, lrScale: number) => Transform<any>;
}

const sam = fn(samPkg, 'sam');
const mSam = fn(mSamPkg, 'mSam');
const saSam = fn(saSamPkg, 'saSam');
const muon = fn(muonPkg, 'muon');
const shampoo = fn(shampooPkg, 'shampoo');

export const OPTIMIZERS: OptimizerSpec[] = [
  {
    id: 'sgd', name: 'SGD', color: '#e6194b', source: '@basin/core sgd', scaled: true,
    hypers: [{ key: 'lr', label: 'lr', value: 0.05, step: 0.01 }, { key: 'momentum', label: 'momentum', value: 0.9, step: 0.05 }],
    make: (h, s) => core.sgd({ learningRate: h.lr * s, momentum: h.momentum || undefined }),
  },
  {
    id: 'adam', name: 'Adam', color: '#3cb44b', source: '@basin/core adam', scaled: false,
    hypers: [{ key: 'lr', label: 'lr', value: 0.05, step: 0.01 }],
    make: (h) => core.adam({ learningRate: h.lr }),
  },
  {
    id: 'sam', name: 'SAM (SGD)', color: '#4363d8', source: '@basin/sam sam', scaled: true,
    hypers: [{ key: 'lr', label: 'lr', value: 0.05, step: 0.01 }, { key: 'momentum', label: 'momentum', value: 0.9, step: 0.05 }, { key: 'rho', label: 'rho', value: 0.25, step: 0.05 }],
    make: sam && ((h, s) => sam(core.sgd({ learningRate: h.lr * s, momentum: h.momentum || undefined }), { rho: h.rho })),
  },
  {
    id: 'msam', name: 'm-SAM (k=4)', color: '#f58231', source: '@basin/m-sam mSam', scaled: true,
    hypers: [{ key: 'lr', label: 'lr', value: 0.05, step: 0.01 }, { key: 'momentum', label: 'momentum', value: 0.9, step: 0.05 }, { key: 'rho', label: 'rho', value: 0.25, step: 0.05 }],
    make: mSam && ((h, s) => mSam(core.sgd({ learningRate: h.lr * s, momentum: h.momentum || undefined }), { rho: h.rho, microbatches: 4 })),
  },
  {
    id: 'sasam', name: 'SA-SAM', color: '#911eb4', source: '@basin/sa-sam saSam', scaled: true,
    hypers: [{ key: 'lr', label: 'eta0', value: 0.05, step: 0.01 }],
    make: saSam && ((h, s) => saSam({ initialLearningRate: h.lr * s })),
  },
  {
    id: 'muon', name: 'Muon', color: '#42d4f4', source: '@basin/muon muon', scaled: false,
    hypers: [{ key: 'lr', label: 'lr', value: 0.03, step: 0.01 }],
    make: muon && ((h) => muon({ learningRate: h.lr })),
  },
  {
    id: 'shampoo', name: 'Shampoo', color: '#f032e6', source: '@basin/shampoo shampoo', scaled: false,
    hypers: [{ key: 'lr', label: 'lr', value: 0.05, step: 0.01 }],
    make: shampoo && ((h) => shampoo({ learningRate: h.lr })),
  },
];
