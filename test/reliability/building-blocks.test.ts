/**
 * The pieces the reliability guarantees rest on, checked on their own: which keys redaction
 * catches, how store errors are classified, and the outbox's order, dead letters and lock.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRedaction, DEFAULT_REDACT_KEYS, maskSecrets } from '../../src/artifacts/redact';
import { LineageStoreError } from '../../src/errors';
import { OutboxQueue } from '../../src/capture/deferred-queue';
import { classifyStoreError } from '../../src/store/error-kinds';
import { Outbox } from '../../src/store/outbox';
import type { WriteRecord } from '../../src/store/write-records';

const runEnd = (workflowId: string): WriteRecord => ({
  kind: 'run-end',
  end: {
    run: { workflowId, runId: 'r' },
    workflowType: 'wf',
    status: 'COMPLETED',
    endedAt: new Date('2026-01-01T00:00:00Z'),
    result: null,
    error: null,
  },
});

describe('redaction keys', () => {
  const redaction = createRedaction([...DEFAULT_REDACT_KEYS, /^x-internal-/i]);

  it.each([
    'password',
    'db_password',
    'authToken',
    'access_token',
    'apiKey',
    'X-Api-Key',
    'Authorization',
    'clientSecret',
    'secretAccessKey',
    'privateKey',
    'credentials',
    'Cookie',
    'X-Internal-Auth',
    'pwd',
    'DB_PWD',
    'pass',
    'dbPass',
    'db_pass',
    'passwd',
    'auth',
    'basicAuth',
    'bearer',
    'private_key',
    'session',
    'sessionId',
    'set-cookie',
    'connectionString',
    'sentryDsn',
  ])('redacts %s', (key) => expect(redaction.secretKey(key)).toBe(true));

  it.each([
    'maxTokens',
    'tokens',
    'tokenizer',
    'secretName',
    'accessKeyId',
    'passes',
    'bypass',
    'compass',
    'oauthProvider',
    'key',
    'author',
    'authored',
    'sessions',
  ])('keeps %s', (key) => expect(redaction.secretKey(key)).toBe(false));

  it('allows keys by option: by whole key or by pattern, never by suffix', () => {
    const allowing = createRedaction(DEFAULT_REDACT_KEYS, undefined, ['session', /^auth_?mode$/i]);
    expect(['session', 'Session', 'authMode', 'auth_mode'].map((k) => allowing.secretKey(k))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['userSession', 'auth', 'password'].map((k) => allowing.secretKey(k))).toEqual([true, true, true]);
  });

  it('masks URL passwords anywhere in a string, and only those', () => {
    expect(maskSecrets('connect to postgres://u:p%40ss@db:5432/x and s3://bucket/k')).toBe(
      'connect to postgres://u:***@db:5432/x and s3://bucket/k',
    );
    expect(redaction.maskedSecret('https://example.com/a@b')).toBeUndefined();
  });

  it('fails closed when the redact hook throws', () => {
    const hooked = createRedaction([], () => {
      throw new Error('hook bug');
    });
    expect(hooked.hook('anything', 'args[0]')).toBe(true);
  });
});

describe('store error classification', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it.each([
    ['ECONNREFUSED', 'unavailable'],
    ['CONNECTION_CLOSED', 'unavailable'],
    ['57P01', 'unavailable'],
    ['53300', 'unavailable'],
    ['40P01', 'conflict'],
    ['40001', 'conflict'],
    ['22021', 'rejected'],
    ['23505', 'rejected'],
    ['54000', 'rejected'],
  ])('%s is %s', (code, kind) => {
    expect(classifyStoreError(new Error('wrapped', { cause: withCode(code) }))).toBe(kind);
  });

  it('treats any failure to open or migrate the store as unavailability', () => {
    const error = new LineageStoreError('migration', 'postgres://u:***@h/db', { cause: withCode('42501') });
    expect(classifyStoreError(error)).toBe('unavailable');
  });
});

describe('the outbox', () => {
  it('applies records in the order they were written and removes them', async () => {
    const outbox = new Outbox(mkdtempSync(join(tmpdir(), 'outbox-')));
    await outbox.append(Array.from({ length: 12 }, (_, i) => runEnd(`wf-${i}`)));
    const seen: string[] = [];
    const outcome = await outbox.drain((record) => {
      if (record.kind === 'run-end') seen.push(record.end.run.workflowId);
      expect(record.kind === 'run-end' && record.end.endedAt).toEqual(new Date('2026-01-01T00:00:00Z'));
      return Promise.resolve();
    });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `wf-${i}`));
    expect(outcome).toMatchObject({ applied: 12, remaining: 0, rejected: [] });
  });

  it('stops at an unreachable store, keeping the rest, and sets aside what the store rejects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const outbox = new Outbox(dir);
    await outbox.append([runEnd('bad'), runEnd('ok'), runEnd('down'), runEnd('later')]);
    const outcome = await outbox.drain((record) => {
      const id = record.kind === 'run-end' ? record.end.run.workflowId : '';
      const code = { bad: '22P02', down: 'ECONNREFUSED' }[id];
      return code ? Promise.reject(Object.assign(new Error(id), { code })) : Promise.resolve();
    });
    expect(outcome).toMatchObject({ applied: 1, remaining: 2 });
    expect(outcome.rejected).toHaveLength(1);
    const failed = readdirSync(join(dir, 'failed'));
    expect(failed.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(
      readFileSync(
        join(
          dir,
          'failed',
          failed.find((f) => f.endsWith('.txt'))!,
        ),
        'utf8',
      ),
    ).toContain('bad');
  });

  it('keeps track of a record appended while a drain finishes, and drains it next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    let late: (() => Promise<void>) | undefined;
    // The append lands after the drain last listed the folder: a worker's next failed write can.
    class AppendAsDrainEnds extends Outbox {
      override async drain(apply: (record: WriteRecord) => Promise<void>) {
        const outcome = await super.drain(apply);
        const append = late;
        late = undefined;
        await append?.();
        return outcome;
      }
    }
    const queue = new OutboxQueue(new AppendAsDrainEnds(dir));
    late = () => queue.append([runEnd('late')]);
    await queue.append([runEnd('first')]);
    const applied: string[] = [];
    const apply = (record: WriteRecord) => {
      if (record.kind === 'run-end') applied.push(record.end.run.workflowId);
      return Promise.resolve();
    };
    expect(await queue.drain(apply)).toMatchObject({ applied: 1, remaining: 0 });
    // The late record is on disk: the queue must still say so, or nothing would ever drain it.
    expect(queue.hasPending()).toBe(true);
    expect(await queue.drain(apply)).toMatchObject({ applied: 1, remaining: 0 });
    expect(applied).toEqual(['first', 'late']);
    expect(queue.hasPending()).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('lets one process drain at a time, and takes over the lock of a dead one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const outbox = new Outbox(dir);
    await outbox.append([runEnd('x')]);
    // A live process (this test's child) holds the lock: the drain steps aside.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, '.drain.lock'), `${child.pid}@${(await import('node:os')).hostname()}`);
      expect(await outbox.drain(() => Promise.resolve())).toMatchObject({ busy: true, remaining: 1 });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // Its holder is gone: the lock is stale and the next drain proceeds.
    expect(await outbox.drain(() => Promise.resolve())).toMatchObject({ applied: 1, remaining: 0 });
    expect(existsSync(join(dir, '.drain.lock'))).toBe(false);
  });
});
