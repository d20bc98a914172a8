/** Errors Basin raises for bad input: the message names the parameter and what was expected. */
export class BasinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BasinError';
  }
}
