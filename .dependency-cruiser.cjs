/**
 * The layer rules (docs/architecture.md). Dependencies point down:
 *   http -> delivery -> services -> storage -> protocol -> engine
 * with config, auth and src/errors.ts usable from every layer above the engine
 * (the engine may use only src/errors.ts). `protocol` is Cloudinary's vocabulary:
 * the delivery URL grammar, URL building, parameters, cache keys, delivery headers.
 */
const layer = (name) => `^src/${name}/`;
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles hide the layer order.', from: {}, to: { circular: true } },
    {
      name: 'engine-is-pure',
      severity: 'error',
      comment: 'The engine computes; it knows no bindings, requests, storage or config.',
      from: { path: layer('engine') },
      to: { path: '^src/', pathNot: ['^src/engine/', '^src/errors\\.ts$'] },
    },
    {
      name: 'storage-is-below-services',
      severity: 'error',
      from: { path: layer('storage') },
      to: { path: ['^src/http/', '^src/delivery/', '^src/services/'] },
    },
    {
      name: 'services-are-below-delivery',
      severity: 'error',
      from: { path: layer('services') },
      to: { path: ['^src/http/', '^src/delivery/'] },
    },
    {
      name: 'protocol-is-below-storage',
      severity: 'error',
      from: { path: layer('protocol') },
      to: { path: ['^src/http/', '^src/delivery/', '^src/services/', '^src/storage/'] },
    },
    { name: 'delivery-is-below-http', severity: 'error', from: { path: layer('delivery') }, to: { path: '^src/http/' } },
    {
      name: 'config-and-auth-are-low',
      severity: 'error',
      from: { path: ['^src/config/', '^src/auth/'] },
      to: { path: ['^src/http/', '^src/delivery/', '^src/services/'] },
    },
    { name: 'src-does-not-import-tests', severity: 'error', from: { path: '^src/' }, to: { path: '^(test|bench|scripts)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(wasm|html|ttf)$' },
  },
};
