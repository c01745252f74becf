// The Node options the service is started with: `npm start`, the Dockerfile's ENTRYPOINT and the benchmarks
// pass these (test/node-flags.test.ts and compose.test.ts check that they agree). They are start-up options:
// V8 sizes its young generation when the process starts, and `v8.setFlagsFromString` later has no effect on
// it (unlike `--heap-growing-percent`, see heap-growth.ts). The `saker` command's first line does not pass
// them: `saker replay` evaluates faster with V8's default (3-5 % more events per CPU-second on the k8s audit
// replay benchmark).
//
// Why a smaller young generation: under load V8 grows each of its two semi-spaces to 16 MB, and all of it
// is resident; alerts waiting in the queue survive scavenges, so the space fills up. At 8 MB saker's peak RSS
// with 100-alert arrays fell by 15-25 MB (embedded queue 203 → 178 MB, Redis queue 253 → 236 MB, `npm run
// bench:ingest`) for about the same CPU per request (README, "Benchmarks"). Someone starting `saker run`
// otherwise (`node dist/src/cli.js run`, `npx saker run`) gets V8's default unless they pass the option too.

/** Options for `node` when it runs `saker run`. */
export const SAKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
