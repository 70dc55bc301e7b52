import { CldError } from '../errors';

/** A misconfigured deployment: answered with 503 and a page naming the variable, never a 500. */
export class ConfigError extends CldError {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(503, `Configuration error in ${variable}: ${detail}`);
  }
}
