/**
 * What keeps bytes from running as a page of the worker's origin. Every
 * answer gets `nosniff` (a browser never guesses an active type from the
 * bytes); everything but a raster image gets a `sandbox` CSP without
 * `allow-same-origin` (opened directly, it runs in an opaque origin: no
 * cookies, no same-origin reads, no scripts); and documents (HTML, XHTML,
 * XML) are downloads, never rendered. Scripts and stylesheets keep their
 * types, since other sites load them with `<script>` and `<link>`, where the
 * CSP of the response does not apply and nothing runs on our origin.
 * The worker's own pages (console, demo) set a CSP of their own, which is kept.
 */

/** Opened on its own, a non-raster answer renders with no script and no origin; inline styles and data: images keep SVG drawings intact. */
const SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; media-src data:";

/** Types a browser only ever draws as pictures. */
const RASTER_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/heif',
  'image/bmp',
  'image/tiff',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'image/jxl',
]);

/** Types a browser renders as a document (and SVG outside `<img>` would, if it were not sandboxed). */
const DOCUMENT_TYPES = new Set(['text/html', 'application/xhtml+xml', 'text/xml', 'application/xml', 'text/xsl', 'application/xslt+xml']);

/** The media type alone, lower case, without parameters. */
const mediaType = (contentType: string | null) => (contentType ?? '').split(';')[0].trim().toLowerCase();

export const isRasterImage = (contentType: string | null) => RASTER_TYPES.has(mediaType(contentType));

/** HTML, XHTML and XML in any of its `+xml` forms, except SVG, which stays viewable because it is always sandboxed. */
function isDocumentType(contentType: string | null): boolean {
  const type = mediaType(contentType);
  if (type === 'image/svg+xml') return false;
  return DOCUMENT_TYPES.has(type) || type.endsWith('+xml');
}

/**
 * Adds the headers above to `headers` (in place). An answer that already has
 * a CSP is one of the worker's own pages (delivery never sets one before this
 * runs): its policy is kept and it stays a page.
 */
export function applyContentSafety(headers: Headers): Headers {
  headers.set('X-Content-Type-Options', 'nosniff');
  if (headers.has('Content-Security-Policy')) return headers;
  const type = headers.get('Content-Type');
  if (!isRasterImage(type)) headers.set('Content-Security-Policy', SANDBOX_CSP);
  if (isDocumentType(type) && !/^\s*attachment/i.test(headers.get('Content-Disposition') ?? '')) {
    headers.set('Content-Disposition', 'attachment');
  }
  return headers;
}
