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
    // `npm run dev` beside `cargo run`: the API is proxied to the server.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
      '/readyz': 'http://127.0.0.1:8080',
    },
  },
});
