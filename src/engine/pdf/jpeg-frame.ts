import { badRequest } from '../../errors';

/** What a PDF image dictionary needs from a JPEG: its size and colour components, read from the frame header. */
export interface JpegFrame {
  width: number;
  height: number;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: 1 | 3 | 4;
  /** An Adobe APP14 marker: its four-component files store CMYK inverted, which the PDF's /Decode array undoes. */
  adobe: boolean;
}

const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** The frame header of a JPEG (the markers before its first scan); a file without one is refused. */
export function jpegFrame(b: Uint8Array): JpegFrame {
  if (!(b[0] === 0xff && b[1] === 0xd8)) throw badRequest('A PDF page must be a JPEG image');
  let adobe = false;
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) break;
    const marker = b[o + 1];
    if (marker === 0xff) {
      o++;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const len = (b[o + 2] << 8) | b[o + 3];
    if (marker === 0xee && String.fromCharCode(...b.subarray(o + 4, o + 9)) === 'Adobe') adobe = true;
    if (isFrameMarker(marker) && o + 10 <= b.length) {
      const height = (b[o + 5] << 8) | b[o + 6];
      const width = (b[o + 7] << 8) | b[o + 8];
      const components = b[o + 9];
      if (width > 0 && height > 0 && (components === 1 || components === 3 || components === 4))
        return { width, height, components, adobe };
      break;
    }
    o += 2 + len;
  }
  throw badRequest('A PDF page must be a JPEG image with a frame header');
}
