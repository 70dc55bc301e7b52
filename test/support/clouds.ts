/**
 * The clouds every test run configures: `demo` (the dev default) plus
 * more, so isolation between clouds is tested against real configuration.
 */
export const DEMO = { cloud_name: 'demo', api_key: '123456789012345', api_secret: 'local-dev-secret' };
export const OTHER = { cloud_name: 'other', api_key: '222222222222222', api_secret: 'other-secret' };
export const THIRD = { cloud_name: 'third', api_key: '333333333333333', api_secret: 'third-secret' };
/** A cloud whose browser-upload settings (allowed_upload_origins) tests may change freely. */
export const CORS = { cloud_name: 'corscloud', api_key: '555555555555555', api_secret: 'cors-secret' };
/** Only the access-control tests change this cloud's settings (strict transformations, url_signature, auth_token_key). */
export const LOCKED = { cloud_name: 'locked', api_key: '444444444444444', api_secret: 'locked-secret' };
/** A cloud in the middle of a secret rotation: two keys, both good (CLOUDS entries sharing a cloud name). */
export const ROTATING = { cloud_name: 'rotating', api_key: '666666666666661', api_secret: 'rotating-old-secret' };
export const ROTATING_NEW = { cloud_name: 'rotating', api_key: '666666666666662', api_secret: 'rotating-new-secret' };
/** Set to folder_mode "dynamic" by the tests that need Cloudinary's newer folder behaviour; only they use it. */
export const DYNAMIC = { cloud_name: 'dynamic', api_key: '666666666666666', api_secret: 'dynamic-secret' };

export const TEST_VARS = {
  CLOUDINARY_URL: `cloudinary://${DEMO.api_key}:${DEMO.api_secret}@${DEMO.cloud_name}`,
  // `demo` again, identical to CLOUDINARY_URL: a common set-up (the SDK's tools read CLOUDINARY_URL), accepted as one key.
  CLOUDS: JSON.stringify([OTHER, THIRD, CORS, LOCKED, DEMO, ROTATING, ROTATING_NEW, DYNAMIC]),
  ALLOW_PRIVATE_NETWORK_FETCH: 'true',
  ENABLE_DEMO_PAGES: 'true',
  SERVER_TIMING: 'true',
  // Short job retry delays, so tests see retries within seconds.
  JOB_RETRY_BASE_SECONDS: '1',
  JOB_RETRY_MAX_SECONDS: '1',
};

export const basicAuth = (c: { api_key: string; api_secret: string }) => 'Basic ' + btoa(`${c.api_key}:${c.api_secret}`);
