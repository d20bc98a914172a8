// @basin/plot: charts as SVG strings, from plain data, with no dependencies: line charts (log
// axes, legends, scatter), heat maps (colour bar, contours, overlays), histograms and densities,
// and panels of several charts. @basin/hessian's loss slices and spectral densities plot as they are.
export { lineChart } from './line-chart';
export type { LineChartOptions, LineData, Series, SeriesStyle, SeriesStyleOptions, Slice1DLike } from './line-chart';
export { heatMap } from './heat-map';
export type { Grid, HeatMapData, HeatMapOptions, Marker, Slice2DLike } from './heat-map';
export { histogram, densityPlot } from './histogram';
export type { DensityLike, DensityPlotOptions, HistogramOptions, HistogramSeries } from './histogram';
export { panels } from './panels';
export type { PanelsOptions } from './panels';
export type { FrameOptions, LegendPlace } from './frame';
export { PlotError } from './errors';
export type { Numbers } from './errors';
export { escapeXml, formatNumber } from './format';
export { niceTicks, logTicks } from './scale';
export { PALETTE, VIRIDIS, viridis } from './color';
