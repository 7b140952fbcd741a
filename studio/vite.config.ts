import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The studio is built into studio/dist and served by the API process (one port). `npm run dev`
 * serves it with hot reload and proxies /api to the API on SLUICE_API_URL (default :3000).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    port: 5173,
    proxy: { '/api': process.env.SLUICE_API_URL ?? 'http://localhost:3000' },
  },
});
