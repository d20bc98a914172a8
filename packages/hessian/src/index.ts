// @basin/hessian: public surface (filled in by the package work).
export {};
