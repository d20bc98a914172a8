// @basin/shampoo: public surface (filled in by the package work).
export {};
