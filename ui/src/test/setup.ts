// Vitest's setup (vite.config.ts): jsdom's Blob has no `stream()`, which
// every browser the UI supports has; the page reads chosen files through it
// (folder/hashing.ts). Here a Blob's stream gives its bytes in one chunk.
if (typeof Blob.prototype.stream !== "function") {
  Blob.prototype.stream = function stream(this: Blob) {
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      start: async (c) => {
        c.enqueue(new Uint8Array(await this.arrayBuffer()));
        c.close();
      },
    });
  };
}
