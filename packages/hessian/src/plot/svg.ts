// The charts live in @basin/plot (one plotting module for hessian, curve-finding, the examples and
// the playground); @basin/hessian re-exports its `lineChart`, `heatMap` and `densityPlot`, which
// take `lossSlice1D`, `lossSlice2D` and `spectralDensity` results as they are. The three names
// below are the earlier API, kept as thin wrappers.
import { BasinError, entryPoint, describeArgument as describeGot } from '@basin/core';
import { densityPlot, heatMap, lineChart, type LineChartOptions, type Series } from '@basin/plot';
import type { SpectralDensity } from '../spectrum/density';
import { optionsRecord } from '../checks';

export type { Series } from '@basin/plot';
/** Options of `lineChartSvg`, `densitySvg` and `heatmapSvg`: those of @basin/plot's `lineChart`. */
export type ChartOptions = LineChartOptions;

/** A line chart as an SVG string. @deprecated Use `lineChart` (the same chart, also re-exported here). */
export const lineChartSvg = entryPoint('lineChartSvg', function lineChartSvg(series: Series[], options: ChartOptions = {}): string {
  return lineChart(series, options);
});

/** Spectral densities, log y. @deprecated Use `densityPlot(density)` or `densityPlot([{ ...density, label }])`. */
export const densitySvg = entryPoint('densitySvg', function densitySvg(densities: { density: SpectralDensity; label?: string }[], options: ChartOptions = {}): string {
  const owner = 'densitySvg';
  if (!Array.isArray(densities) || densities.length === 0) throw new BasinError(`${owner}: densities must be a non-empty array of { density, label? }, got ${describeGot(densities)}`);
  const series = densities.map((d, k) => {
    const density = (d as { density?: SpectralDensity } | null)?.density;
    if (typeof density !== 'object' || density === null) throw new BasinError(`${owner}: densities[${k}].density must be a spectralDensity(...) result, got ${describeGot(density)}`);
    return { grid: density.grid, density: density.density, label: d.label };
  });
  return densityPlot(series, { title: 'Hessian spectral density', ...optionsRecord(owner, options) });
});

/**
 * A heat map of z[i][j] over x[i] (horizontal) and y[j] (vertical).
 * @deprecated Use `heatMap(lossSlice2D(...))`, or `heatMap({ x, y, z })` with one row of z per y.
 */
export const heatmapSvg = entryPoint('heatmapSvg', function heatmapSvg(x: number[], y: number[], z: number[][], options: ChartOptions & { logZ?: boolean } = {}): string {
  const owner = 'heatmapSvg';
  if (!Array.isArray(z) || z.length !== x?.length || z.some((row) => !Array.isArray(row) || row.length !== y?.length)) {
    throw new BasinError(`${owner}: z must be ${x?.length} rows of ${y?.length} values`);
  }
  const { title, xLabel = '', yLabel = '', width, height, logZ } = optionsRecord(owner, options);
  // x[i] and y[j] with z[i][j] is the layout of a 2-D loss slice.
  return heatMap({ alphas: x, betas: y, losses: z }, { title, xLabel, yLabel, zLabel: '', width, height, logZ });
});
