/** The benchmark's work: each case as a transformation for our engine and the same work for sharp. */
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
];

/** The layer image the overlay cases use (`l_logo`). */
export const LOGO = 'alpha.png';

export const PHOTOS = ['photo-1mp.jpg', 'photo-3mp-exif.jpg', 'photo-12mp.jpg', 'photo-24mp.jpg'];
