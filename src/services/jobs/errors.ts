/**
 * A job that can never succeed however often it is tried (a webhook URL the
 * fetch policy refuses, an asset that is gone): recorded at once, not retried.
 */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
