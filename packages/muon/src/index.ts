// @basin/muon: public surface (filled in by the package work).
export {};
