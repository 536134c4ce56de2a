/**
 * Redaction: values that must never reach the lineage store. A value is redacted when its key
 * looks secret (`redactKeys`), when the user's `redact` hook says so, or when it is a string
 * holding a URL with a password; it is then encoded as `{ "$lineage": "redacted" }` (a URL keeps
 * its password-masked form beside that) and every digest is computed over that redacted form, so
 * neither the value nor a digest that could confirm a guess of it is stored.
 */

/**
 * Keys whose values are redacted by default. A string entry matches every key whose normalised
 * form (lower case, only letters and digits) ends with it: `token` matches `authToken` and
 * `access_token` but not `maxTokens` or `tokenizer`; `apikey` matches `apiKey` and `X-Api-Key`.
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'apikey',
  'authorization',
  'privatekey',
  'accesskey',
  'credential',
  'credentials',
  'cookie',
];

/** The `redact` hook: called with every value and its path (`args[0].db`, `result`); true redacts it. */
export type RedactHook = (value: unknown, path: string) => boolean;

/** `scheme://user:password@`, anywhere in a string. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^/?#@:\s]*):[^/?#@\s]*@/gi;

/** `text` with the password of every URL in it masked (`postgres://u:***@host`). */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1:***@');
}

/** Which values to redact; built once per plugin from its options. */
export interface Redaction {
  /**
   * For a string holding a URL with a password: the string with the password masked (the whole
   * string is then recorded as redacted, showing only that masked form); otherwise undefined.
   */
  maskedUrl(text: string): string | undefined;
  /** Whether a value under this key is redacted whatever it is. */
  secretKey(key: string): boolean;
  /** The user's hook; a hook that throws redacts (failing closed). */
  hook(value: unknown, path: string): boolean;
  /** Whether the hook exists: paths are only built for it. */
  readonly hasHook: boolean;
}

const normalise = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The redaction policy of `redactKeys` + `redact`. */
export function createRedaction(keys: ReadonlyArray<string | RegExp>, hook?: RedactHook): Redaction {
  const suffixes = keys.filter((k): k is string => typeof k === 'string').map(normalise);
  const patterns = keys.filter((k): k is RegExp => k instanceof RegExp);
  const memo = new Map<string, boolean>();
  return {
    maskedUrl(text) {
      if (!text.includes('://')) return undefined;
      const masked = maskUrlPasswords(text);
      return masked === text ? undefined : masked;
    },
    secretKey(key) {
      const known = memo.get(key);
      if (known !== undefined) return known;
      const name = normalise(key);
      const secret =
        suffixes.some((s) => s.length > 0 && name.endsWith(s)) ||
        patterns.some((p) => {
          p.lastIndex = 0;
          return p.test(key);
        });
      // Keys repeat across every attempt; the memo is bounded so hostile keys cannot grow it forever.
      if (memo.size < 10_000) memo.set(key, secret);
      return secret;
    },
    hook(value, path) {
      if (!hook) return false;
      try {
        return hook(value, path) === true;
      } catch {
        return true;
      }
    },
    hasHook: hook !== undefined,
  };
}

/** Redacts nothing: for reading and re-encoding stored values, which were redacted when captured. */
export const NO_REDACTION: Redaction = {
  maskedUrl: () => undefined,
  secretKey: () => false,
  hook: () => false,
  hasHook: false,
};
