import type { Params } from '../../protocol/params';
import { normaliseFolder } from './public-id';
import { randomId } from '../../auth/crypto';
import { displayNameTaken } from '../../storage/resources';
import type { AssetRef } from '../../protocol/asset-ref';

/**
 * Where an upload lands in each folder mode. Fixed: `folder` is the start of
 * the public id and the asset folder. Dynamic (Cloudinary's newer accounts):
 * `folder` and `asset_folder` only set the asset folder; the public id starts
 * with `public_id_prefix`, or with the asset folder when
 * `use_asset_folder_as_public_id_prefix` is true; and `display_name` defaults
 * to the file name with `use_filename_as_display_name`; with
 * `unique_display_name` a name another asset of the folder already has gets
 * a random suffix, as `unique_filename` does for public ids.
 */
export interface PlacementOptions {
  publicIdPrefix: string;
  useAssetFolderAsPrefix: boolean;
  useFilenameAsDisplayName: boolean;
  uniqueDisplayName: boolean;
}

export function parsePlacementOptions(params: Params): PlacementOptions {
  return {
    publicIdPrefix: normaliseFolder(params.string('public_id_prefix')),
    useAssetFolderAsPrefix: params.bool('use_asset_folder_as_public_id_prefix', false),
    useFilenameAsDisplayName: params.bool('use_filename_as_display_name', false),
    uniqueDisplayName: params.bool('unique_display_name', false),
  };
}

export interface Placement {
  /** The folder part prepended to the public id. */
  idFolder: string;
  assetFolder: string;
  displayName: string | undefined;
}

export function placementOf(
  o: { folder: string; assetFolder: string | undefined; displayName: string | undefined; placement: PlacementOptions },
  mode: 'fixed' | 'dynamic',
  filename: string | null,
): Placement {
  if (mode === 'fixed') return { idFolder: o.folder, assetFolder: o.assetFolder ?? o.folder, displayName: o.displayName };
  const assetFolder = normaliseFolder(o.assetFolder ?? o.folder);
  const prefix = o.placement.useAssetFolderAsPrefix ? assetFolder : o.placement.publicIdPrefix;
  const displayName = o.displayName ?? (o.placement.useFilenameAsDisplayName && filename ? filename : undefined);
  return { idFolder: prefix, assetFolder, displayName };
}

/** The display name, suffixed when `unique_display_name` asks and another asset of the folder has it (the asset itself, overwritten, does not count). */
export async function uniqueDisplayName(db: D1Database, p: Placement, o: PlacementOptions, ref: AssetRef): Promise<string | undefined> {
  if (!o.uniqueDisplayName || !p.displayName) return p.displayName;
  if (!(await displayNameTaken(db, ref, p.assetFolder, p.displayName))) return p.displayName;
  return `${p.displayName}_${randomId(6)}`;
}
