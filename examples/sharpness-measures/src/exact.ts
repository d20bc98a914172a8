// The three sharpness measures of Wen, Ma & Li ("How does sharpness-aware minimization minimize
// sharpness?", ICLR 2023), exactly, for a quadratic L(w) = 1/2 w^T H w with H = diag(lambda) at a
// point w with gradient g = H w. With v the perturbation, L(w + v) - L(w) = g.v + 1/2 v^T H v, so
//   worst   = max_{|v| <= rho} g.v + 1/2 v^T H v          (a trust-region problem, solved below)
//   ascent  = rho |g| + rho^2 / 2 (g^T H g) / |g|^2       (v = rho g / |g|)
//   average = rho^2 tr(H) / (2 d)                          (u uniform on the unit sphere: E u = 0, E u u^T = I / d)
// Near a minimum (|g| << rho lambda_max) worst -> rho^2 lambda_max / 2, and ascent -> the same only
// when g is aligned with the top eigenvector; otherwise it is rho^2 (g^T H g / |g|^2) / 2.

export const sumSq = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i];
  return s;
};

/** rho |g| + rho^2 / 2 g^T H g / |g|^2 (0 at g = 0, where the ascent direction is undefined). */
export function exactAscent(lambda: ArrayLike<number>, g: ArrayLike<number>, rho: number): number {
  const gg = sumSq(g);
  if (gg === 0) return 0;
  let ghg = 0;
  for (let i = 0; i < g.length; i++) ghg += lambda[i] * g[i] * g[i];
  return rho * Math.sqrt(gg) + (rho * rho * ghg) / (2 * gg);
}

export function exactAverage(lambda: ArrayLike<number>, rho: number): number {
  let tr = 0;
  for (let i = 0; i < lambda.length; i++) tr += lambda[i];
  return (rho * rho * tr) / (2 * lambda.length);
}

/**
 * max_{|v| <= rho} g.v + 1/2 sum_i lambda_i v_i^2 (needs max lambda > 0). The maximiser is
 * v_i = g_i / (mu - lambda_i) with mu > lambda_max and |v| = rho (Moré & Sorensen 1983), found by
 * bisection on mu in float64; when g has no part on the top eigenspace and that v is shorter than
 * rho (the "hard case"), the rest of the radius goes along the top eigenvector.
 */
export function exactWorst(lambda: ArrayLike<number>, g: ArrayLike<number>, rho: number): number {
  const d = lambda.length;
  let top = -Infinity;
  for (let i = 0; i < d; i++) top = Math.max(top, lambda[i]);
  if (!(top > 0)) throw new Error('exactWorst: needs a positive eigenvalue');
  const isTop = (i: number) => lambda[i] === top;
  const value = (v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += g[i] * v[i] + 0.5 * lambda[i] * v[i] * v[i];
    return s;
  };
  const at = (mu: number) => Float64Array.from({ length: d }, (_, i) => (g[i] === 0 ? 0 : g[i] / (mu - lambda[i])));
  let gTop = 0;
  for (let i = 0; i < d; i++) if (isTop(i)) gTop += g[i] * g[i];
  if (gTop === 0) {
    const v = Float64Array.from({ length: d }, (_, i) => (isTop(i) ? 0 : g[i] / (top - lambda[i])));
    const rest = rho * rho - sumSq(v);
    if (rest >= 0) {
      const k = Array.from({ length: d }, (_, i) => i).find(isTop) as number;
      v[k] = Math.sqrt(rest);
      return value(v);
    }
  }
  let lo = top;
  let hi = top + Math.sqrt(sumSq(g)) / rho + 1e-12;
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (sumSq(at(mid)) > rho * rho) lo = mid;
    else hi = mid;
  }
  return value(at(hi));
}
