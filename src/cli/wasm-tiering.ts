import { setFlagsFromString } from 'node:v8';

/**
 * V8's budget for optimizing a WebAssembly function, in rough bytes of that function's code
 * executed (V8's default is 1,800,000). The embedded store is PostgreSQL compiled to WebAssembly,
 * and at V8's default a single `lineage runs` hands many of its functions to the optimizing
 * compiler while PGlite starts: ~0.4 s of CPU on background threads, for code that arrives when
 * the command is nearly done, and that the process still waits for before it exits (measured:
 * 0.1–0.2 s from closing the store to exiting, ~2 ms without those compiles). That was a third of
 * the command's time on a 2-core machine. With this budget a one-shot command runs on the
 * baseline code V8 compiles anyway, while a function that stays hot in a long-lived `lineage ui`,
 * or in a large export, is still optimized after some tenths of a second of its own work
 * (measured: the same steady-state query times as at the default, after a few repetitions).
 */
export const WASM_TIERING_BUDGET = 1_000_000_000;

/**
 * Raises the budget for the whole process: for `lineage` run as a process of its own, never for
 * an embedder of `runCli` (a process V8 flags are not ours to set). Must run before PGlite
 * instantiates its module, which is when V8 gives each function its budget; a budget given to
 * node on its command line is left as it is.
 */
export function deferWasmTierUp(): void {
  if (process.execArgv.some((arg) => arg.startsWith('--wasm-tiering-budget'))) return;
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}
