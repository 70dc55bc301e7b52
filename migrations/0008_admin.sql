-- Admin API listings page with a keyset on the row id, newest first by
-- default: these indexes give each listing its rows already in id order, so
-- a page costs the same with 100,000 resources as with 100.
CREATE INDEX IF NOT EXISTS resources_by_type_id ON resources (cloud, resource_type, type, id);
CREATE INDEX IF NOT EXISTS resources_by_rt_id ON resources (cloud, resource_type, id);
-- Prefix listings without a delivery type page on (public_id, id).
CREATE INDEX IF NOT EXISTS resources_by_rt_public_id ON resources (cloud, resource_type, public_id, id);
-- Named and implicit transformations: "used" and deletion by transformation.
CREATE INDEX IF NOT EXISTS derived_by_transformation ON derived (cloud, transformation, id);
-- By context key alone (any value), in resource order.
CREATE INDEX IF NOT EXISTS resource_context_by_key_id ON resource_context (cloud, key, resource_id);
-- resources/by_asset_folder: one folder's resources in id order, and its count.
CREATE INDEX IF NOT EXISTS resources_by_asset_folder ON resources (cloud, asset_folder, id);
