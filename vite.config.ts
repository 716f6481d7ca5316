import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'
import { precompress } from './scripts/compress-web.js'

/** Where `switchboard serve` listens by default; the dev server forwards API and WebSocket traffic to it. */
const SERVER = process.env.SWB_DEV_SERVER ?? 'http://127.0.0.1:7420'

const OUT_DIR = fileURLToPath(new URL('./dist/web', import.meta.url))

/** Once the UI is built: `.br` and `.gz` copies beside its files, for the server to send as they are. */
const precompressed: Plugin = {
  name: 'switchboard:precompress',
  apply: 'build',
  closeBundle() {
    const r = precompress(OUT_DIR)
    const kb = (n: number): string => `${Math.round(n / 1024)} KB`
    this.info(`pre-compressed ${r.files} files: ${kb(r.bytes)} → ${kb(r.brotliBytes)} brotli, ${kb(r.gzipBytes)} gzip`)
  },
}

export default defineConfig({
  root: 'web',
  // Relative asset URLs let the built dashboard be served from any path prefix.
  base: './',
  plugins: [vue(), precompressed],
  resolve: {
    alias: {
      '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)),
      '@': fileURLToPath(new URL('./web/src', import.meta.url)),
    },
  },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/')) return 'vendor'
          return undefined
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: SERVER, changeOrigin: false },
      '/healthz': { target: SERVER, changeOrigin: false },
      '/ws': { target: SERVER, ws: true, changeOrigin: false },
    },
  },
})
