export interface AssetRef {
  cloud: string;
  resourceType: string;
  type: string;
  publicId: string;
}
