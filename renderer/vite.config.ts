import { defineConfig } from 'vite';

// The kiosk screen. React's JSX through esbuild's automatic runtime (no plugin needed); relative
// asset paths so Electron can load the build from a file.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
