// @basin/curve-finding: public surface (filled in by the package work).
export {};
