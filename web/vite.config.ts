import { defineConfig } from 'vite';

// The bundle goes to ../internal/web/dist, which is committed and embedded in
// the binary with go:embed; .ci/web-check.sh rebuilds it and fails on any
// difference.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../internal/web/dist',
    emptyOutDir: true,
    target: 'es2022',
    // No data: URLs and no inline code: the server's Content-Security-Policy
    // allows only same-origin files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` against a running `sekimori serve`.
    proxy: { '/api': 'http://127.0.0.1:8514' },
  },
});
