/** A mistake in how the command was called: printed as one line, with a hint, and exit status 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
