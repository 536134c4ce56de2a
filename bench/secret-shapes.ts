/**
 * What checking a string for secret shapes costs capture, per string: `npx tsx bench/secret-shapes.ts`.
 * Capture runs {@link maskSecrets} on every string of every recorded value, so the ordinary
 * strings (names, paths, labels) are the ones that matter; the rest show the slower paths.
 */
import { createHash } from 'node:crypto';
import { maskSecrets } from '../src/artifacts/secret-shapes';
import { formatTable } from '../scripts/format-table';

const CASES: Array<[string, string]> = [
  ['short name', 'iris-raw.json'],
  ['URI without secrets', 's3://bucket/datasets/iris/2026-01-31/raw.parquet'],
  ['sentence', 'Trained a random forest with 50 trees on 105 rows; accuracy on the test split was 0.9556.'],
  ['key=value text (slow path)', 'learning_rate=0.01; epochs=3; batch_size=64; optimizer=adam'],
  ['Bearer JWT (masked)', `Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'x'.repeat(43)}`],
  ['1 KiB prose', 'The quick brown fox jumps over the lazy dog. '.repeat(23)],
  ['100 KiB prose', 'The quick brown fox jumps over the lazy dog. '.repeat(2300)],
];

/** What capture does with every value anyway: its JSON, hashed. The reference that load cannot skew. */
const hashJson = (text: string) => createHash('sha256').update(JSON.stringify(text)).digest('hex');

function nsPerCall(text: string, work: (text: string) => unknown): number {
  // Enough calls for ~200 ms, after a warm-up that lets V8 optimise the regular expressions.
  for (let i = 0; i < 2000; i++) work(text);
  let calls = 1000;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) work(text);
    const ns = Number(process.hrtime.bigint() - start);
    if (ns > 200e6 || calls > 1e8) return ns / calls;
    calls *= 4;
  }
}

const time = (ns: number) => (ns < 10_000 ? `${ns.toFixed(0)} ns` : `${(ns / 1000).toFixed(1)} µs`);
const rows = CASES.map(([name, text]) => {
  const mask = nsPerCall(text, maskSecrets);
  const hash = nsPerCall(text, hashJson);
  return [name, String(text.length), time(mask), time(hash), `${(mask / hash).toFixed(2)}×`];
});
console.log(
  formatTable(['string', 'chars', 'maskSecrets', 'sha256 of its JSON', 'ratio'], rows, {
    align: ['left', 'right', 'right', 'right', 'right'],
  }),
);
