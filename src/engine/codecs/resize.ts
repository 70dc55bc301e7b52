import { CodecError, type CodecSession, type Pixels } from './runtime';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Lanczos-3 resample of `region` (default: the whole image) to width x
 * height, into new pixels. The source stays; free it when done with it.
 */
export function resize(session: CodecSession, src: Pixels, width: number, height: number, region?: Region): Pixels {
  session.check(src);
  const r = region ?? { x: 0, y: 0, width: src.width, height: src.height };
  const inside = r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1 && r.x + r.width <= src.width && r.y + r.height <= src.height;
  if (!inside) throw new CodecError('resize: region outside the image');
  if (!(width >= 1 && height >= 1)) throw new CodecError('resize: empty output');
  const ptr = session.call((x) => x.resize(src.ptr, src.width, r.x, r.y, r.width, r.height, width, height, src.channels));
  return session.pixels(ptr, width, height, src.channels);
}
