/**
 * The shapes of secrets that redaction catches under any key, and the ordinary strings it must
 * leave alone. Token samples are assembled from parts so that this file itself holds none.
 */
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/artifacts/secret-shapes';
import { secretSamples } from '../support/secret-samples';

describe('secret shapes', () => {
  it.each(secretSamples('UNIT'))('masks $name', ({ text, secret }) => {
    const masked = maskSecrets(text);
    expect(masked).not.toContain(secret);
    expect(masked).toContain('***');
  });

  it('keeps what tells a reader what was there', () => {
    expect(maskSecrets('jdbc:postgresql://h/db?user=u&password=hunter2&ssl=true')).toBe(
      'jdbc:postgresql://h/db?user=u&password=***&ssl=true',
    );
    expect(maskSecrets('Authorization: Bearer abc123def456')).toBe('Authorization: Bearer ***');
    expect(maskSecrets('postgres://u:pw@db/x')).toBe('postgres://u:***@db/x');
  });

  it.each([
    'iris-raw.json',
    'Basic statistics of the dataset',
    'Bearer of bad news',
    'Token limit reached',
    '3 tokens per second',
    'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'https://example.com/data.csv?version=3&format=csv',
    's3://bucket/models/model-3f2a.onnx',
    'task-12 finished',
    'learning_rate=0.01; epochs=3',
    'AKIA is a prefix, not a key',
    '',
  ])('leaves %j as it is', (text) => expect(maskSecrets(text)).toBe(text));
});
