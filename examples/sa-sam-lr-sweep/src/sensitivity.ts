// How sensitive an optimizer is to its learning rate, from one sweep's final test accuracies.

export interface Sensitivity {
  best: number;
  bestLr: number;
  worst: number;
  /** best - worst over the whole sweep. */
  spread: number;
  /** The learning rates whose accuracy is within `tolerance` of the best. */
  nearBest: number[];
  /** log10(largest / smallest) of those: how many decades of learning rate are near the best. */
  decadesNearBest: number;
}

export function sensitivity(lrs: number[], accuracies: number[], tolerance = 0.01): Sensitivity {
  const best = Math.max(...accuracies);
  const worst = Math.min(...accuracies);
  const nearBest = lrs.filter((_, i) => accuracies[i] >= best - tolerance);
  return {
    best,
    bestLr: lrs[accuracies.indexOf(best)],
    worst,
    spread: best - worst,
    nearBest,
    decadesNearBest: Math.log10(Math.max(...nearBest) / Math.min(...nearBest)),
  };
}
