/** The benchmark's work: each case as a transformation for our engine and the same work for sharp (on `sharpPhoto` when it cannot read the file). */
export const CASES = [
  {
    name: 'fill 400x300 JPEG q80',
    transformation: 'c_fill,w_400,h_300,q_80',
    format: 'jpg',
    sharp: (s) => s.rotate().resize(400, 300, { fit: 'cover' }).jpeg({ quality: 80 }),
  },
  {
    name: 'fill 400x300 WebP',
    transformation: 'c_fill,w_400,h_300',
    format: 'webp',
    sharp: (s) => s.rotate().resize(400, 300, { fit: 'cover' }).webp({ quality: 80 }),
  },
  {
    name: 'fill 400x300 AVIF',
    transformation: 'c_fill,w_400,h_300',
    format: 'avif',
    sharp: (s) => s.rotate().resize(400, 300, { fit: 'cover' }).avif({ quality: 60 }),
  },
  {
    name: 'scale w1600 JPEG',
    transformation: 'c_scale,w_1600',
    format: 'jpg',
    sharp: (s) => s.rotate().resize(1600).jpeg({ quality: 80 }),
  },
  // Layers, on the 3 MP photo only: a 400 px wide PNG logo with alpha, and a bold caption in the bundled font.
  {
    name: 'image overlay (logo w400) JPEG',
    photos: ['photo-3mp-exif.jpg'],
    transformation: 'l_logo,w_400/fl_layer_apply,g_south_east,x_20,y_20',
    format: 'jpg',
    sharp: async (s, sharp, logo) =>
      s
        .rotate()
        .composite([{ input: await sharp(logo).resize(400).toBuffer(), gravity: 'southeast' }])
        .jpeg({ quality: 80 }),
  },
  {
    name: 'text overlay (Arial 80 bold) JPEG',
    photos: ['photo-3mp-exif.jpg'],
    transformation: 'co_white,l_text:Arial_80_bold:Colourful%20cups%2C%20Aarhus/fl_layer_apply,g_south,y_40',
    format: 'jpg',
    sharp: (s) =>
      s
        .rotate()
        .composite([
          {
            input: Buffer.from(
              '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="100"><text x="600" y="80" text-anchor="middle" font-family="Arial" font-weight="bold" font-size="80" fill="white">Colourful cups, Aarhus</text></svg>',
            ),
            gravity: 'south',
          },
        ])
        .jpeg({ quality: 80 }),
  },
  {
    name: 'text overlay wrapped (Georgia 60, c_fit w_900, stroke, justify) JPEG',
    photos: ['photo-3mp-exif.jpg'],
    transformation:
      'bo_3px_solid_black,c_fit,co_white,l_text:Georgia_60_bold_justify_stroke_line_spacing_10:Colourful%20cups%20on%20a%20shelf%20in%20Aarhus%2C%20photographed%20in%20the%20morning%20light%20of%20a%20winter%20day,w_900/fl_layer_apply,g_south,y_40',
    format: 'jpg',
    sharp: (s) =>
      s
        .rotate()
        .composite([
          {
            input: Buffer.from(
              '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="260"><g font-family="Georgia" font-weight="bold" font-size="60" fill="white" stroke="black" stroke-width="6" paint-order="stroke"><text x="0" y="60">Colourful cups on a shelf in</text><text x="0" y="140">Aarhus, photographed in the</text><text x="0" y="220">morning light of a winter day</text></g></svg>',
            ),
            gravity: 'south',
          },
        ])
        .jpeg({ quality: 80 }),
  },
  // Full-size deliveries (strip-wise JPEG transcoding), AVIF at 1600 px, a 4K PNG screenshot read row by row.
  {
    name: 'full size JPEG q_auto',
    photos: ['photo-12mp.jpg', 'photo-24mp.jpg'],
    transformation: 'q_auto',
    format: 'jpg',
    sharp: (s) => s.rotate().jpeg({ quality: 80 }),
  },
  {
    name: 'full size WebP q_auto',
    photos: ['photo-24mp.jpg'],
    transformation: 'q_auto',
    format: 'webp',
    sharp: (s) => s.rotate().webp({ quality: 80 }),
  },
  {
    name: 'scale w1600 AVIF',
    photos: ['photo-12mp.jpg'],
    transformation: 'c_scale,w_1600',
    format: 'avif',
    sharp: (s) => s.rotate().resize(1600).avif({ quality: 60 }),
  },
  // AVIF as a grid of tiles (docs/engine.md "AVIF within the budget"): sharp at effort 1 (aom speed 8, as ours) for the same speed.
  {
    name: 'scale w1600 AVIF (sharp effort 1)',
    photos: ['photo-12mp.jpg'],
    transformation: 'c_scale,w_1600',
    format: 'avif',
    sharp: (s) => s.rotate().resize(1600).avif({ quality: 60, effort: 1 }),
  },
  {
    name: 'fill 1920x1080 AVIF (sharp effort 1)',
    photos: ['photo-12mp.jpg'],
    transformation: 'c_fill,w_1920,h_1080',
    format: 'avif',
    sharp: (s) => s.rotate().resize(1920, 1080, { fit: 'cover' }).avif({ quality: 60, effort: 1 }),
  },
  {
    name: 'scale w2500 AVIF (sharp effort 1)',
    photos: ['photo-12mp.jpg'],
    transformation: 'c_scale,w_2500',
    format: 'avif',
    sharp: (s) => s.rotate().resize(2500).avif({ quality: 60, effort: 1 }),
  },
  {
    name: 'e_blur:2000 JPEG',
    photos: ['photo-12mp.jpg'],
    transformation: 'c_scale,w_1600/e_blur:2000',
    format: 'jpg',
    sharp: (s) => s.rotate().resize(1600).blur(100).jpeg({ quality: 80 }),
  },
  // The whole-frame path: an effect and a crop at full size (JPEG written from the raster in strips).
  {
    name: 'wholeframe e_grayscale JPEG q80',
    photos: ['photo-3mp-exif.jpg', 'photo-12mp.jpg'],
    transformation: 'e_grayscale,q_80',
    format: 'jpg',
    sharp: (s) => s.rotate().grayscale().jpeg({ quality: 80 }),
  },
  {
    name: 'wholeframe c_crop 4000x2500 JPEG q80',
    photos: ['photo-12mp.jpg'],
    transformation: 'c_crop,w_4000,h_2500,x_300,y_50,q_80',
    format: 'jpg',
    sharp: (s) => s.rotate().extract({ left: 300, top: 50, width: 4000, height: 2500 }).jpeg({ quality: 80 }),
  },
  {
    name: 'fill 400x300 JPEG q80 (PNG source)',
    photos: ['screenshot-4k.png'],
    transformation: 'c_fill,w_400,h_300,q_80',
    format: 'jpg',
    sharp: (s) => s.resize(400, 300, { fit: 'cover' }).jpeg({ quality: 80 }),
  },
  {
    name: 'fill 400x300 JPEG q80 (interlaced PNG source)',
    photos: ['png/interlaced-1600x900.png'],
    transformation: 'c_fill,w_400,h_300,q_80',
    format: 'jpg',
    sharp: (s) => s.resize(400, 300, { fit: 'cover' }).jpeg({ quality: 80 }),
  },
  {
    name: 'fill 400x300 JPEG q80 (WebP source)',
    photos: ['large-4096.webp'],
    transformation: 'c_fill,w_400,h_300,q_80',
    format: 'jpg',
    sharp: (s) => s.resize(400, 300, { fit: 'cover' }).jpeg({ quality: 80 }),
  },
  {
    name: 'scale w800 PNG',
    photos: ['screenshot-4k.png'],
    transformation: 'w_800',
    format: 'png',
    sharp: (s) => s.resize(800).png(),
  },
  // HEIC: a 12 MP phone-style grid of 512x512 tiles. sharp's prebuilt libvips has no HEVC decoder,
  // so its column runs the same work on the same picture as a JPEG (photo-12mp.jpg).
  {
    name: 'fill 400x300 JPEG q80 (HEIC source)',
    photos: ['photo-12mp.heic'],
    sharpPhoto: 'photo-12mp.jpg',
    transformation: 'c_fill,w_400,h_300,q_80',
    format: 'jpg',
    sharp: (s) => s.resize(400, 300, { fit: 'cover' }).jpeg({ quality: 80 }),
  },
  {
    name: 'scale w1600 JPEG (HEIC source)',
    photos: ['photo-12mp.heic'],
    sharpPhoto: 'photo-12mp.jpg',
    transformation: 'c_scale,w_1600',
    format: 'jpg',
    sharp: (s) => s.resize(1600).jpeg({ quality: 80 }),
  },
  {
    name: 'full size JPEG (HEIC source)',
    photos: ['photo-12mp.heic'],
    sharpPhoto: 'photo-12mp.jpg',
    transformation: 'q_80',
    format: 'jpg',
    sharp: (s) => s.jpeg({ quality: 80 }),
  },
  // PNG encoded row by row: a 4K screenshot re-encoded at full size and at 1920 px.
  {
    name: 'full size PNG',
    photos: ['screenshot-4k.png'],
    transformation: 'q_80',
    format: 'png',
    sharp: (s) => s.png(),
  },
  {
    name: 'scale w1920 PNG',
    photos: ['screenshot-4k.png'],
    transformation: 'w_1920',
    format: 'png',
    sharp: (s) => s.resize(1920).png(),
  },
  // Hostile files: ours should refuse each at once; sharp is not run on them (some would take gigabytes).
  ...[
    ['hostile/gif-huge-frame.gif', 'pg_2', 'png'],
    ['hostile/svg-filter-region.svg', 'w_100', 'png'],
    ['hostile/svg-use-bomb.svg', 'w_100', 'png'],
    ['hostile/avif-ispe-lie.avif', 'w_100', 'png'],
    ['hostile/heic-ispe-lie.heic', 'w_100', 'jpg'],
    ['bomb-50000x50000.png', 'w_100', 'jpg'],
  ].map(([file, transformation, format]) => ({ name: `hostile ${transformation}`, photos: [file], transformation, format, sharp: null })),
  {
    name: 'heavy w_4900,h_4900,f_avif',
    photos: ['photo-3mp-exif.jpg'],
    transformation: 'w_4900,h_4900,c_scale',
    format: 'avif',
    sharp: null,
  },
  // Same-size deliveries run in strips (src/engine/strip-run.ts): a point effect, or another output, at full size.
  {
    name: 'strips e_grayscale JPEG q80',
    photos: ['photo-24mp.jpg'],
    transformation: 'e_grayscale,q_80',
    format: 'jpg',
    sharp: (s) => s.rotate().grayscale().jpeg({ quality: 80 }),
  },
  {
    name: 'strips f_png',
    photos: ['photo-24mp.jpg'],
    transformation: '',
    format: 'png',
    sharp: (s) => s.rotate().png(),
  },
  {
    name: 'strips e_grayscale PNG',
    photos: ['screenshot-4k.png'],
    transformation: 'e_grayscale',
    format: 'png',
    sharp: (s) => s.grayscale().png(),
  },
  {
    name: 'strips e_sepia WebP q80',
    photos: ['photo-12mp.jpg'],
    transformation: 'e_sepia:100,q_80',
    format: 'webp',
    sharp: (s) =>
      s
        .rotate()
        .recomb([
          [0.393, 0.769, 0.189],
          [0.349, 0.686, 0.168],
          [0.272, 0.534, 0.131],
        ])
        .webp({ quality: 80 }),
  },
  {
    name: 'strips f_webp q80 (HEIC source)',
    photos: ['photo-12mp.heic'],
    sharpPhoto: 'photo-12mp.jpg',
    transformation: 'q_80',
    format: 'webp',
    sharp: (s) => s.webp({ quality: 80 }),
  },
  {
    name: 'strips f_jpg q80 (WebP source)',
    photos: ['large-4096.webp'],
    transformation: 'q_80',
    format: 'jpg',
    sharp: (s) => s.jpeg({ quality: 80 }),
  },
];

/** The layer image the overlay cases use (`l_logo`). */
export const LOGO = 'alpha.png';

export const PHOTOS = ['photo-1mp.jpg', 'photo-3mp-exif.jpg', 'photo-12mp.jpg', 'photo-24mp.jpg'];

/** Every file some case runs on (cases without `photos` run on PHOTOS). */
export const FILES = [...new Set([...PHOTOS, ...CASES.flatMap((c) => c.photos ?? [])])];
