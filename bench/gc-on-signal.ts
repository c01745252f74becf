// Preloaded into the saker of `npm run bench:startup` (with --expose-gc): SIGUSR2 runs a full garbage
// collection, so that the heap the benchmark reads from /metrics is the live heap, not what V8 has yet to
// collect. Nothing else of saker changes.

process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
