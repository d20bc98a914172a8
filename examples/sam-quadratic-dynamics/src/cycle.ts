// The two-point cycle of normalised SAM on a quadratic (Bartlett, Long & Bousquet, "The dynamics
// of sharpness-aware minimization: bouncing across ravines and drifting towards wide minima",
// JMLR 2023): derived here for w on the top eigenvector.
//
// SAM's step on f(w) = 1/2 w^T H w is w' = w - eta H (w + rho H w / |H w|). For w = a v1
// (a != 0), H w = lambda a v1 and the ascent point is w + rho sign(a) v1, so
//     a' = (1 - eta lambda) a - eta lambda rho sign(a).
// A cycle a -> -a -> a (a > 0) needs -a = (1 - eta lambda) a - eta lambda rho, i.e.
//     a* = eta lambda rho / (2 - eta lambda),           valid for 0 < eta lambda < 2.
// Two steps map a to (1 - eta lambda)^2 a + (eta lambda)^2 rho, a contraction towards a*, so the
// cycle attracts along v1. A component along v_i (lambda_i < lambda_1) is multiplied per step by
//     1 - eta lambda_i - (lambda_i / lambda_1)^2 (2 - eta lambda_1),
// which lies in (-1, 1) for 0 < lambda_i < lambda_1: those components die out, and the iterates
// end bouncing between +a* v1 and -a* v1, across the minimum, never reaching it.

/** The cycle's amplitude |w| = eta lambda rho / (2 - eta lambda) on the top eigenvector (eta lambda < 2). */
export function cycleAmplitude(eta: number, lambdaTop: number, rho: number): number {
  const c = eta * lambdaTop;
  if (!(c > 0 && c < 2)) throw new Error(`cycleAmplitude: eta * lambda must lie in (0, 2), got ${c}`);
  return (c * rho) / (2 - c);
}

/**
 * Per-step factor of a small component along an eigenvector with eigenvalue `lambda`, near the
 * cycle on the eigenvector with eigenvalue `lambdaCycle`: 1 - eta lambda - (lambda / lambdaCycle)^2
 * (2 - eta lambdaCycle). Linearising w' = w - eta H (w + rho H w / |H w|) at w = a* v: |H w| stays
 * lambdaCycle a* to first order, so a component c along v_i goes to c (1 - eta lambda_i - eta rho
 * lambda_i^2 / (lambdaCycle a*)). Inside (-1, 1) for lambda < lambdaCycle (the cycle on the top
 * eigenvector attracts), below -1 for lambda > lambdaCycle (a cycle on any other is unstable).
 */
export function transverseFactor(eta: number, lambdaCycle: number, lambda: number): number {
  return 1 - eta * lambda - (lambda / lambdaCycle) ** 2 * (2 - eta * lambdaCycle);
}
