import { badRequest, notFound } from '../../errors';
import type { Env } from '../../config/env';
import { configFrom } from '../../config/config';
import { transformImage } from '../../engine/engine';
import { parseTransformation } from '../../engine/parse';
import { selectArchiveResources } from '../../storage/archive-selection';
import type { ResourceRow } from '../../storage/resources';
import { layerSources } from '../derived/layer-sources';

/** The most images one `multi` or `generate_sprite` combines: each is decoded and transformed in the one request. */
export const MAX_COMBINED_IMAGES = 100;

/** The uploaded images carrying `tag`, in public id order (Cloudinary's order for multi and sprites). */
export async function taggedImages(env: Env, cloud: string, tag: string | undefined): Promise<ResourceRow[]> {
  if (!tag) throw badRequest('Missing required parameter - tag');
  const selector = { cloud, resourceTypes: ['image'], type: 'upload', publicIds: [], prefixes: [], tags: [tag], fullyQualified: [] };
  const rows = await selectArchiveResources(env.DB, selector, MAX_COMBINED_IMAGES + 1);
  if (!rows.length) throw notFound(`No images found with tag ${tag}`);
  if (rows.length > MAX_COMBINED_IMAGES) throw badRequest(`Too many images with tag ${tag}: at most ${MAX_COMBINED_IMAGES} are combined`);
  return rows;
}

/** The request's transformation split into its components' parameters, with `f_` and `dl_` taken out (they shape the whole, not each image). */
export function splitTransformation(text: string | undefined): { components: string[]; format?: string; delay?: number } {
  let format: string | undefined;
  let delay: number | undefined;
  const components = (text ?? '')
    .split('/')
    .map((c) =>
      c
        .split(',')
        .filter((p) => {
          if (p.startsWith('f_')) format = p.slice(2).toLowerCase();
          else if (p.startsWith('dl_')) delay = Number(p.slice(3));
          else return p !== '';
          return false;
        })
        .join(','),
    )
    .filter(Boolean);
  if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0 && delay <= 65_535))
    throw badRequest('Invalid delay in transformation');
  return { components, format, delay };
}

/** One tagged image through the components, as PNG bytes (the engine's budgets apply to each as to a delivery). */
export const renderPng = (env: Env, row: ResourceRow, components: readonly string[]) => render(env, row, components, 'png');

/** The same as JPEG bytes (a PDF page): transparent pixels are flattened on white, as any JPEG delivery does. */
export const renderJpeg = (env: Env, row: ResourceRow, components: readonly string[]) => render(env, row, components, 'jpg');

async function render(
  env: Env,
  row: ResourceRow,
  components: readonly string[],
  format: 'png' | 'jpg',
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const obj = await env.BUCKET.get(row.r2_key);
  if (!obj) throw notFound(`Resource not found - ${row.public_id}`);
  const input = new Uint8Array(await obj.arrayBuffer());
  const plan = parseTransformation([...components, `f_${format}`]);
  return transformImage(input, plan, { limits: configFrom(env).limits, sources: layerSources(env, row.cloud) });
}
