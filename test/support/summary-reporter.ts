import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `vitest: N passed, N failed, N skipped`, that any CI log
 * reader understands (vitest's own summary is formatted for people). Tests that passed only on a
 * retry are named above it, so a flaky test is seen and mended rather than hidden by the retry.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const flaky: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' && test.diagnostic()?.flaky)
          flaky.push(`${module.moduleId} > ${test.fullName}`);
        if (state === 'passed' || state === 'failed') counts[state]++;
        else counts.skipped++;
      }
      if (module.state() === 'failed' && !module.children.size) counts.failed++;
    }
    for (const name of flaky) process.stdout.write(`\nvitest: passed only on retry: ${name}`);
    process.stdout.write(
      `\nvitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
