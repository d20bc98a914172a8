/** A value that depends on the step count (0 for the first step). */
export type Schedule = (step: number) => number;
