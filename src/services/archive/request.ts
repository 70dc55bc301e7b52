import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';
import { parseEager, type EagerSpec } from '../upload/eager';

/** `generate_archive`'s parameters, parsed (the SDK's `archive_params`). */
export interface ArchiveRequest {
  mode: 'create' | 'download';
  targetFormat: 'zip' | 'tgz';
  /** `all` (download_folder's default) means every stored resource type. */
  resourceTypes: readonly string[];
  type: string;
  publicIds: string[];
  prefixes: string[];
  tags: string[];
  fullyQualified: { resourceType: string; type: string; publicId: string }[];
  transformations: EagerSpec[];
  flattenFolders: boolean;
  flattenTransformations: boolean;
  skipTransformationName: boolean;
  useOriginalFilename: boolean;
  allowMissing: boolean;
  keepDerived: boolean;
  expiresAt: number | undefined;
  targetPublicId: string | undefined;
  targetTags: string[];
  targetAssetFolder: string | undefined;
}

const STORED_TYPES = ['image', 'raw'];
/** Ids and tags are looked up 80 to a query: as many as an archive may hold files. */
const MAX_LISTED = 1000;
/** Each prefix and fully qualified id is a query of its own: fewer of them. */
const MAX_QUERIED_ONE_BY_ONE = 100;
const ARCHIVE_TYPES = new Set(['upload', 'private', 'authenticated']);

export function parseArchiveRequest(p: Params, resourceType: string, defaultMode: 'create' | 'download'): ArchiveRequest {
  const resourceTypes = resourceType === 'all' ? STORED_TYPES : resourceType === 'auto' ? STORED_TYPES : [resourceType];
  if (!resourceTypes.every((t) => STORED_TYPES.includes(t))) throw badRequest(`Invalid resource type ${resourceType}`);
  const mode = p.string('mode') || defaultMode;
  if (mode !== 'create' && mode !== 'download') throw badRequest(`Invalid mode ${mode}`);
  const targetFormat = p.string('target_format') || 'zip';
  if (targetFormat !== 'zip' && targetFormat !== 'tgz') throw badRequest(`Invalid target_format ${targetFormat}`);
  const type = p.string('type') || 'upload';
  if (!ARCHIVE_TYPES.has(type)) throw badRequest(`Invalid type ${type}`);
  const request: ArchiveRequest = {
    mode,
    targetFormat,
    resourceTypes,
    type,
    publicIds: p.list('public_ids'),
    prefixes: p.list('prefixes'),
    tags: p.list('tags'),
    fullyQualified: p.list('fully_qualified_public_ids').map(fullyQualified),
    transformations: parseEager(p.string('transformations')?.split('|').filter(Boolean) ?? []),
    flattenFolders: p.bool('flatten_folders', false),
    flattenTransformations: p.bool('flatten_transformations', false),
    skipTransformationName: p.bool('skip_transformation_name', false),
    useOriginalFilename: p.bool('use_original_filename', false),
    allowMissing: p.bool('allow_missing', false),
    keepDerived: p.bool('keep_derived', false),
    expiresAt: p.int('expires_at'),
    targetPublicId: p.string('target_public_id') || undefined,
    targetTags: p.list('target_tags'),
    targetAssetFolder: p.string('target_asset_folder') || undefined,
  };
  if (!request.publicIds.length && !request.prefixes.length && !request.tags.length && !request.fullyQualified.length) {
    throw badRequest('Must supply public_ids, prefixes, tags or fully_qualified_public_ids');
  }
  for (const [name, list, max] of [
    ['public_ids', request.publicIds, MAX_LISTED],
    ['tags', request.tags, MAX_LISTED],
    ['prefixes', request.prefixes, MAX_QUERIED_ONE_BY_ONE],
    ['fully_qualified_public_ids', request.fullyQualified, MAX_QUERIED_ONE_BY_ONE],
  ] as const) {
    if (list.length > max) throw badRequest(`Too many ${name}: at most ${max} per archive`);
  }
  if (request.prefixes.some((prefix) => prefix === '' || prefix === '/')) {
    throw badRequest('A prefix must not be empty: archiving a whole cloud at once is not allowed');
  }
  return request;
}

/** `image/upload/folder/sample` → its resource type, type and public id. */
function fullyQualified(id: string): { resourceType: string; type: string; publicId: string } {
  const [resourceType, type, ...rest] = id.split('/');
  if (!rest.length || !STORED_TYPES.includes(resourceType) || !ARCHIVE_TYPES.has(type)) {
    throw badRequest(`Invalid fully qualified public id ${id}`);
  }
  return { resourceType, type, publicId: rest.join('/') };
}
