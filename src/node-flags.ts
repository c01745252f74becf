// The Node options saker is started with: `npm start`, the `saker` command's first line, the Dockerfile's
// ENTRYPOINT and the benchmarks all pass these (test/node-flags.test.ts checks that they agree). They are
// start-up options: V8 sizes its young generation when the process starts, and `v8.setFlagsFromString`
// later has no effect on it (unlike `--heap-growing-percent`, see heap-growth.ts).
//
// Why a smaller young generation: under load V8 grows each of its two semi-spaces to 16 MB, and all of it
// is resident; alerts waiting in the queue survive scavenges, so the space fills up. At 8 MB saker's peak RSS
// with 100-alert arrays fell by 20-25 MB (embedded queue 185-189 → 160-166 MB; Redis queue 231-236 → 213-222
// MB) for the same main-thread CPU per request (README, "Benchmarks"). Someone starting Node by hand
// (`node dist/src/cli.js run`) gets V8's default unless they pass the option too.

/** Options for `node` when it runs `saker run`. */
export const SAKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
