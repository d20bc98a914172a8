// @basin/backends: public surface (filled in by the package work).
export {};
