import type { ImageFormat } from '../engine/sniff';
import { resolveOutput } from '../engine/negotiate';
import { normaliseFormat } from '../protocol/delivery-url';
import { ensureDerived } from '../services/derived/derive';
import type { DerivedObject } from '../services/derived/store';
import type { Sourced, Target } from './context';

/** No transformation and no change of format: the stored bytes are the answer. */
export const wantsOriginal = ({ d, resource }: Target) =>
  d.transformations.length === 0 &&
  (d.format === undefined || resource.resource_type === 'raw' || normaliseFormat(d.format) === normaliseFormat(resource.format));

/**
 * Stage "derive": resolves what this request gets (the `f_auto`/`q_auto`
 * choice from `Accept`, `dpr_auto` from the client hints, the extension) and
 * reads the derived object from R2 or makes it once (ensureDerived), spending
 * an unsigned request's derivation budget only when it makes a new one.
 */
export async function derive({ req, env, target, spend }: Sourced): Promise<DerivedObject> {
  const resolved = resolveOutput(
    target.planned.plan,
    {
      format: (target.resource.format ?? 'jpg') as ImageFormat,
      pages: target.resource.pages,
      width: target.resource.width,
      height: target.resource.height,
    },
    {
      accept: req.headers.get('Accept'),
      dpr: req.headers.get('Sec-CH-DPR') ?? req.headers.get('DPR'),
      width: req.headers.get('Sec-CH-Width') ?? req.headers.get('Width'),
      extension: target.d.format,
    },
  );
  return ensureDerived(env, target.resource, target.planned.plan, resolved, spend);
}
