import { badRequest } from '../../errors';
import type { Params, Plan } from '../types';
import { inspectSource } from '../inspect';
import { isPdf, pdfPageJpeg } from './reader';

/**
 * A transformation of a PDF reads one page: `pg_<n>` (the first when absent)
 * becomes the source, its JPEG taken out of the file as it is, and the plan
 * goes on without `pg_` (the page is a one-page image now). Anything else
 * passes through unchanged.
 */
export function pdfPageSource(input: Uint8Array, plan: Plan): { input: Uint8Array; plan: Plan } {
  if (!isPdf(input)) return { input, plan };
  const pages = plan.components.find((c) => c.params.pg !== undefined)?.params.pg;
  if (pages !== undefined && typeof pages !== 'number') throw badRequest('Page ranges of a PDF are not supported: name one page (pg_<n>)');
  // A copy of its own, so no codec sees the rest of the file behind the page's bytes.
  const jpeg = pdfPageJpeg(input, pages ?? 1).slice();
  const components = plan.components.map((c) => {
    if (c.params.pg === undefined) return c;
    const params: Params = { ...c.params };
    delete params.pg;
    return { ...c, params };
  });
  return { input: jpeg, plan: { ...plan, components } };
}

/** Refuses (400) a file the engine cannot read: an image it cannot decode, or a PDF whose pages are not JPEG images. */
export function readableSource(input: Uint8Array): void {
  if (isPdf(input)) pdfPageJpeg(input, 1);
  else inspectSource(input);
}
