import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The portal is built into dist/, committed, and compiled into the ggzy binary
// (build.rs), so a fresh clone serves it with `cargo run` and no network.
// The build must be reproducible: CI rebuilds it and fails if dist/ differs.
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // Element Plus is one chunk the lazy pages share; it is larger than
    // Vite's default warning limit by design.
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `npm run dev` beside `cargo run`: pages reload as they are edited and
    // the API (and its WebSockets) is proxied to the server, GGZY_API or
    // http://127.0.0.1:8080.
    proxy: {
      '/api': { target: process.env.GGZY_API ?? 'http://127.0.0.1:8080', ws: true },
      '/readyz': process.env.GGZY_API ?? 'http://127.0.0.1:8080',
    },
  },
});
