import { toHex } from '../auth/crypto';

/**
 * The Content-Security-Policy of the worker's own pages (console, widget demo). It trusts nothing the
 * delivery side of the origin serves: the page's one script runs by a nonce
 * made for this answer (not by `'self'`, which on a shared host also covers
 * uploaded files), there are no plugins, frames, base changes or foreign form
 * targets. Images may come from the origin (thumbnails are delivery URLs):
 * an image cannot run code.
 */
export const newNonce = () => toHex(crypto.getRandomValues(new Uint8Array(16)));

export const pageCsp = (nonce: string) =>
  [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/** The sign-in page has no script at all. */
export const SIGN_IN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
