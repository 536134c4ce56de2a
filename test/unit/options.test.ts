import { describe, expect, it } from 'vitest';
import { LineageOptionsError } from '../../src/errors';
import { LineagePlugin } from '../../src/plugin';
import { openStore } from '../../src/store/open-store';

describe('options validation', () => {
  it('rejects bad plugin options with a typed error naming each bad field', () => {
    const attempt = () => new LineagePlugin({ maxInlineBytes: -1, onStoreError: 'explode' as 'fail' });
    expect(attempt).toThrow(LineageOptionsError);
    try {
      attempt();
    } catch (error) {
      const issues = (error as LineageOptionsError).issues.join('\n');
      expect(issues).toContain('maxInlineBytes');
      expect(issues).toContain('onStoreError');
    }
  });

  it('rejects unknown plugin options instead of ignoring a typo', () => {
    expect(() => new LineagePlugin({ databaseURL: 'x' } as never)).toThrow(/databaseURL/);
  });

  it('rejects a store location that is neither a URL, a folder nor memory', async () => {
    await expect(openStore({ path: 'x' } as never)).rejects.toBeInstanceOf(LineageOptionsError);
  });
});
