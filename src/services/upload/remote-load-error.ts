import { CldError, badRequest } from '../../errors';
import { RemoteFailure } from '../remote/fetcher';

/** The standard reason phrases Cloudinary puts after the remote's status ("404 Not Found"). */
const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

const statusLine = (status: number) => `${status} ${REASON_PHRASES[status] ?? 'Error'}`.trim();

/** How each kind of failure reads on the Upload API, after "Error in loading <url> - ". */
const DETAIL: Record<RemoteFailure['reason'], (f: RemoteFailure) => string | null> = {
  status: (f) => statusLine(f.remoteStatus ?? 0),
  timeout: () => 'Timeout',
  unreachable: (f) => f.message.replace(/^Error in loading \S+ - /, ''),
  // Cloudinary's own wording for a file over the limit stands alone, without the URL.
  'too-large': () => null,
};

/**
 * A remote file the Upload API could not load. Cloudinary answers every such
 * case with http_code 400 and `Error in loading <url> - 404 Not Found` (the
 * SDKs and users' error handling expect that status), whatever the origin
 * answered; delivery keeps its own statuses.
 */
export function uploadLoadError(err: unknown, url: string): unknown {
  // Refusals before any request (a private address, a host not allowed) are 400s on this API too.
  if (!(err instanceof RemoteFailure)) return err instanceof CldError && err.status < 500 ? badRequest(err.message) : err;
  const detail = DETAIL[err.reason](err);
  if (detail === null) return badRequest(err.message.replace(` from ${err.url}`, ''));
  return badRequest(`Error in loading ${url} - ${detail}`);
}
