/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Relative base so the built bundle loads from file:// or a Tauri webview.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // folder.html: hashing a chosen folder in a Web Worker (src/folder/).
    rollupOptions: { input: { main: "index.html", folder: "folder.html" } },
  },
  // The hashing worker imports the wasm core: a module worker.
  worker: { format: "es" },
  test: {
    environment: "jsdom",
    setupFiles: ["src/test/setup.ts"],
  },
});
