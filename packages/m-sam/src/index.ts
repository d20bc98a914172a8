// @basin/m-sam: public surface (filled in by the package work).
export {};
