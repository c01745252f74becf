// The Node options a benchmark starts saker with: saker's own (as `npm start` passes them), then
// BENCH_NODE_ARGS, whose options come later and so win (`--max-semi-space-size=16` measures V8's default;
// `--cpu-prof --cpu-prof-dir=/tmp/prof` profiles saker).

import { SAKER_NODE_FLAGS } from '../src/node-flags.js';

export function sakerNodeArgs(): string[] {
  return [...SAKER_NODE_FLAGS, ...(process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean)];
}
