import type { StagedFile } from './staging';
import type { Inspected } from './inspect';
import type { UploadOptions } from './options';
import { parseContext } from './context';
import { runEval, type EvalValue } from '../../protocol/upload-eval';
import { analyse, wantsAnalysis } from '../analysis/semantic';
import { badRequest } from '../../errors';
import type { EngineLimits } from '../../engine/engine';

/** The upload options an `eval` script may set: those applied after the file is known and before it is stored. */
const ASSIGNABLE = ['tags', 'context', 'metadata', 'display_name'] as const;

const strings = (v: EvalValue, key: string): string[] => {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim());
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw badRequest(`Invalid eval: upload_options.${key} must be a string or an array of strings`);
};

const encoded = (v: EvalValue, key: string): string => {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return JSON.stringify(v);
  throw badRequest(`Invalid eval: upload_options.${key} must be a string or an object`);
};

/**
 * Runs the upload's `eval` script (src/protocol/upload-eval.ts) with
 * `resource_info` describing the file as it will be stored (after any incoming
 * transformation), including the semantic data the call asked for (colors,
 * phash, quality_analysis, image_metadata), and answers the options with what
 * the script set.
 */
export async function applyEval(
  script: string,
  file: StagedFile,
  info: Inspected,
  o: UploadOptions,
  limits: EngineLimits,
): Promise<UploadOptions> {
  const semantic =
    wantsAnalysis(o.background.semantic) && info.resourceType === 'image'
      ? await analyse(await file.buffer(), o.background.semantic, limits, true)
      : {};
  const resourceInfo = JSON.parse(
    JSON.stringify({
      ...semantic,
      resource_type: info.resourceType,
      format: info.format,
      width: info.width,
      height: info.height,
      pages: info.pages,
      bytes: file.bytes,
      etag: file.md5,
    }),
  ) as Record<string, EvalValue>;
  const uploadOptions: Record<string, EvalValue> = {
    tags: o.tags,
    context: o.context,
    ...(o.metadata ? { metadata: o.metadata } : {}),
    ...(o.displayName ? { display_name: o.displayName } : {}),
  };
  const set = runEval(script, { resourceInfo, uploadOptions, assignable: ASSIGNABLE });
  const out = { ...o };
  if ('tags' in set) out.tags = set.tags === null ? [] : strings(set.tags, 'tags').filter(Boolean);
  if ('context' in set) out.context = set.context === null ? {} : parseContext(encoded(set.context, 'context'));
  if ('metadata' in set) out.metadata = set.metadata === null ? undefined : encoded(set.metadata, 'metadata');
  if ('display_name' in set) out.displayName = set.display_name === null ? undefined : String(set.display_name);
  return out;
}
