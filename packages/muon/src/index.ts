// @basin/muon: Muon (Jordan 2024), Newton-Schulz orthogonalised momentum for TF.js.
export { newtonSchulz, planNewtonSchulz, runNewtonSchulz, QUINTIC_COEFFICIENTS, CUBIC_COEFFICIENTS } from './newton-schulz';
export type { NewtonSchulzOptions, NewtonSchulzCoefficients, NewtonSchulzPlan } from './newton-schulz';
export { matrixView } from './matrix-shape';
export type { MatrixView } from './matrix-shape';
export { scaleByMuon } from './scale-by-muon';
export type { ScaleByMuonOptions, MuonState, MuonScale } from './scale-by-muon';
export { muonLabels } from './muon-labels';
export type { MuonLabel, MuonExclude } from './muon-labels';
export { muon } from './muon';
export type { MuonOptions, MuonOptimizerState, MuonBranchState } from './muon';
