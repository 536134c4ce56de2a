import { describe, expect, it } from 'vitest';
import { captureArgs } from '../../src/artifacts/capture';
import { FileDigester } from '../../src/artifacts/file-digest';
import { builtInArtifactTypes } from '../../src/artifacts/types';
import { parseRecord, serialiseRecord, type WriteRecord } from '../../src/store/write-records';
import { bareAttemptStart } from '../support/records';

const settings = { types: builtInArtifactTypes, maxInlineBytes: 1024, files: new FileDigester(1024) };

describe('write records (outbox and retry queue lines)', () => {
  it('read back as they were written, dates and captured values included', async () => {
    const { inputs } = await captureArgs([{ lr: 0.1, tags: ['a'] }], settings);
    const record: WriteRecord = { kind: 'attempt-start', start: bareAttemptStart('wf', '1', inputs) };
    const parsed = parseRecord(serialiseRecord(record));
    expect(parsed).toEqual(record);
    expect(parsed.kind === 'attempt-start' && parsed.start.startedAt).toBeInstanceOf(Date);
  });

  it('upgrade lines written before values were kept as canonical JSON text', async () => {
    const { inputs } = await captureArgs([{ lr: 0.1, tags: ['a'] }], settings);
    const current: WriteRecord = { kind: 'attempt-start', start: bareAttemptStart('wf', '1', inputs) };
    // The earlier form: the encoded value itself, keys in any order, under `value`.
    const legacy = JSON.parse(serialiseRecord(current)) as {
      record: { start: { inputs: Array<{ artifact: Record<string, unknown> }> } };
    };
    for (const { artifact } of legacy.record.start.inputs) {
      artifact.value = { tags: ['a'], lr: 0.1 };
      delete artifact.valueJson;
    }
    expect(parseRecord(JSON.stringify(legacy))).toEqual(current);
  });
});
