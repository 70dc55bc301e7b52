import type { Raster } from './raster';
import type { ParamKey, Params } from './types';

/** A pixel step: runs after the component's geometry, in `order`, on the component's result. */
export interface PixelEffect<K extends ParamKey> {
  order: number;
  apply(img: Raster, value: NonNullable<Params[K]>, component: Params): Raster;
  /**
   * A point operation with this value: each output pixel depends only on the
   * same input pixel (and the parameters), never on its neighbours, its
   * position or the whole image (a histogram), and the canvas stays. Such a
   * step gives the same pixels applied strip by strip as to the whole raster,
   * so a same-size delivery can run it in strips (./stream-plan.ts).
   */
  pointwise?(value: NonNullable<Params[K]>, component: Params): boolean;
}

/**
 * One transformation parameter: its key, how its value parses, how it is
 * written in the canonical string, and what it does. `geometry` parameters are
 * read together by geometry.ts (a crop needs w, h, c, g, x, y at once);
 * `output` parameters choose the encoder and its settings.
 */
export interface ParamEntry<K extends ParamKey> {
  key: K;
  parse(raw: string): NonNullable<Params[K]>;
  canonical(value: NonNullable<Params[K]>): string;
  effect: 'geometry' | 'output' | PixelEffect<K>;
}

export type Registry = { [K in ParamKey]: ParamEntry<K> };
