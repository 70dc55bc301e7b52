import type { Env } from '../config/env';
import type { CloudCredentials } from '../config/clouds';
import type { CloudSettings } from '../config/settings';
import type { DeliveryRequest } from '../protocol/delivery-url';
import type { ResourceRow } from '../storage/resources';
import type { Plan } from '../engine/types';
import type { AccessDecision } from './access/check';
import type { DeriveOptions } from '../services/derived/derive';

/**
 * The one context the delivery pipeline (src/delivery/pipeline.ts) carries
 * from stage to stage. Each stage returns it extended by what it learned, so
 * the type says what a stage may read: a stage can only need what an earlier
 * one produced.
 */
export interface Incoming {
  req: Request;
  env: Env;
  ctx: ExecutionContext | undefined;
}

/** After "parse URL": the delivery URL as typed fields. */
export interface Parsed extends Incoming {
  d: DeliveryRequest;
}

/** After "resolve cloud": the cloud the URL names. */
export interface Located extends Parsed {
  cloud: CloudCredentials;
}

/**
 * After "request checks": the cloud's settings, the verdict of the checks that
 * need no asset, and what making something new costs this request (an
 * unsigned one spends the derivation budget; background bookkeeping goes to
 * waitUntil).
 */
export interface Checked extends Located {
  settings: CloudSettings;
  decision: AccessDecision;
  spend: Pick<DeriveOptions, 'budget' | 'waitUntil'>;
}

/**
 * A transformation made ready once: named transformations expanded (still
 * percent-encoded, as in the URL) and the result parsed into a plan.
 */
export interface PlannedTransformation {
  components: string[];
  plan: Plan;
}

/** After "plan the transformation". */
export interface Planned extends Checked {
  planned: PlannedTransformation;
}

/**
 * What the request is answered from: normally the requested asset itself; when
 * it is missing or rejected, the `d_` default image (then `d` and `planned`
 * aim at it, and `substitute` is set).
 */
export interface Target {
  d: DeliveryRequest;
  planned: PlannedTransformation;
  resource: ResourceRow;
  substitute: boolean;
  /** A fetched original: when its kept copy stops being fresh (ms), so its answers leave the edge cache by then. */
  freshUntil?: number;
}

/** After "source". */
export interface Sourced extends Planned {
  target: Target;
}
