// SAM's ascent point `w + rho g / ||g||` (and the unnormalised `w + rho g`) fused against composed:
// the cases the conformance suite runs on every backend, and @basin/sam's Jest tests on cpu.
import type { FusedFunctionCase } from '../../packages/core/src/fused/testing/fused-cases';
import { BASIN_GLOBAL_NORM, BASIN_SCALED_ADD } from '../../packages/core/src/fused';
import { perturbed } from '@basin/sam';

export const SAM_FUSED_CASES: FusedFunctionCase[] = [
  { name: 'sam perturbation (rho 0.05)', kernel: [BASIN_GLOBAL_NORM, BASIN_SCALED_ADD], run: (w, g) => perturbed(g, w, { rho: 0.05 }) },
  { name: 'sam perturbation (rho 2, large gradient)', kernel: [BASIN_GLOBAL_NORM, BASIN_SCALED_ADD], gradScale: 30, run: (w, g) => perturbed(g, w, { rho: 2 }) },
  { name: 'sam perturbation (zero gradient)', kernel: [BASIN_GLOBAL_NORM, BASIN_SCALED_ADD], gradScale: 0, run: (w, g) => perturbed(g, w, { rho: 0.05 }) },
  { name: 'sam perturbation (unnormalised)', kernel: BASIN_SCALED_ADD, run: (w, g) => perturbed(g, w, { rho: 0.1, normalize: false }) },
];
