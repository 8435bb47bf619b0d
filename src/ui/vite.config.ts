import { defineConfig } from 'vite'

/**
 * The dashboard build: src/ui → dist/ui (run after tsup, whose `clean` empties dist/). No inline
 * script or style in the output (the server's Content-Security-Policy forbids them) and no source
 * maps in the package.
 */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: new URL('../../dist/ui', import.meta.url).pathname,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
})
