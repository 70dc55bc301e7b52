import { crop as photonCrop, PhotonImage, resize as photonResize, SamplingFilter } from '@cf-wasm/photon';
import type { Raster } from '../raster';
import type { Rect } from '../geometry';

/**
 * photon (Rust `image` crate in WASM): decodes JPEG, PNG, GIF (first frame)
 * and WebP, resamples, and encodes JPEG, PNG and lossless WebP. Every call
 * that can fail is a bare WASM trap; callers validate inputs first and turn
 * a trap into a 400 (see decode.ts).
 */
export type PhotonHandle = PhotonImage;

export const photonDecode = (bytes: Uint8Array): PhotonHandle => PhotonImage.new_from_byteslice(bytes);

export const photonSize = (img: PhotonHandle) => ({ width: img.get_width(), height: img.get_height() });

export const photonFromRaster = (r: Raster): PhotonHandle => new PhotonImage(r.data, r.width, r.height);

export function photonToRaster(img: PhotonHandle): Raster {
  return { data: img.get_raw_pixels(), width: img.get_width(), height: img.get_height() };
}

/** Crops then resamples; frees every intermediate image but not `img`. */
export function photonCropResize(img: PhotonHandle, region: Rect, width: number, height: number): PhotonHandle {
  const { width: W, height: H } = photonSize(img);
  let current = img;
  if (region.x !== 0 || region.y !== 0 || region.width !== W || region.height !== H) {
    current = photonCrop(img, region.x, region.y, region.x + region.width, region.y + region.height);
  }
  if (current.get_width() === width && current.get_height() === height) return current === img ? photonCrop(img, 0, 0, W, H) : current;
  const out = photonResize(current, width, height, SamplingFilter.Lanczos3);
  if (current !== img) current.free();
  return out;
}

export const photonEncodeJpeg = (img: PhotonHandle, quality: number) => img.get_bytes_jpeg(quality);
export const photonEncodePng = (img: PhotonHandle) => img.get_bytes();
export const photonEncodeWebpLossless = (img: PhotonHandle) => img.get_bytes_webp();

/** A cheap resample (for analysis thumbnails, not for output). */
export const photonResizeFast = (img: PhotonHandle, width: number, height: number): PhotonHandle =>
  photonResize(img, width, height, SamplingFilter.Triangle);
