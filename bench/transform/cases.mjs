/** The benchmark's work: each case as a transformation for our engine and the same work for sharp. */
export const CASES = [
  { name: 'fill 400x300 JPEG q80', transformation: 'c_fill,w_400,h_300,q_80', format: 'jpg', sharp: (s) => s.rotate().resize(400, 300, { fit: 'cover' }).jpeg({ quality: 80 }) },
  { name: 'fill 400x300 WebP', transformation: 'c_fill,w_400,h_300', format: 'webp', sharp: (s) => s.rotate().resize(400, 300, { fit: 'cover' }).webp({ quality: 80 }) },
  { name: 'fill 400x300 AVIF', transformation: 'c_fill,w_400,h_300', format: 'avif', sharp: (s) => s.rotate().resize(400, 300, { fit: 'cover' }).avif({ quality: 60 }) },
  { name: 'scale w1600 JPEG', transformation: 'c_scale,w_1600', format: 'jpg', sharp: (s) => s.rotate().resize(1600).jpeg({ quality: 80 }) },
];

export const PHOTOS = ['photo-1mp.jpg', 'photo-3mp-exif.jpg', 'photo-12mp.jpg'];
