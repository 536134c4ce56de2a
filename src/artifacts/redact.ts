/**
 * Redaction: values that must never reach the lineage store. A value is redacted when its key
 * looks secret (`redactKeys`, less `redactAllowKeys`), when the user's `redact` hook says so, or
 * when it is a string holding something shaped like a secret (a URL with a password or a secret
 * query parameter, `Bearer …`, a private key, a well-known token format: see secret-shapes.ts);
 * it is then encoded as `{ "$lineage": "redacted" }` (a string keeps its masked form beside
 * that) and every digest is computed over that redacted form, so neither the value nor a digest
 * that could confirm a guess of it is stored.
 */
import { maskSecrets } from './secret-shapes';

export { maskSecrets };

/**
 * Keys whose values are redacted by default. An entry matches every key whose normalised form
 * (lower case, only letters and digits) ends with it: `token` matches `authToken` and
 * `access_token` but not `maxTokens` or `tokenizer`; `apikey` matches `apiKey` and `X-Api-Key`.
 * An entry shorter than {@link WORD_START_BELOW} characters must also start a word of the key
 * (`pwd`, `db_pass`, `dbPass`, `basicAuth`), so that `bypass`, `compass` and `oauth` are kept.
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'secret',
  'secrets',
  'secretkey',
  'token',
  'jwt',
  'apikey',
  'auth',
  'authorization',
  'bearer',
  'privatekey',
  'accesskey',
  'signingkey',
  'encryptionkey',
  'credential',
  'credentials',
  'cookie',
  'session',
  'sessionid',
  'sessionkey',
  'connectionstring',
  'dsn',
];

/** Entries shorter than this must start a word of the key (see {@link DEFAULT_REDACT_KEYS}). */
export const WORD_START_BELOW = 5;

/** The `redact` hook: called with every value and its path (`args[0].db`, `result`); true redacts it. */
export type RedactHook = (value: unknown, path: string) => boolean;

/** Which values to redact; built once per plugin from its options. */
export interface Redaction {
  /**
   * For a string holding a secret (see {@link maskSecrets}): the string with it masked (the whole
   * string is then recorded as redacted, showing only that masked form); otherwise undefined.
   */
  maskedSecret(text: string): string | undefined;
  /** Whether a value under this key is redacted whatever it is. */
  secretKey(key: string): boolean;
  /** The user's hook; a hook that throws redacts (failing closed). */
  hook(value: unknown, path: string): boolean;
  /** Whether the hook exists: paths are only built for it. */
  readonly hasHook: boolean;
}

const normalise = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Where each word of a key starts, as offsets into its normalised form: after a separator, at a
 * lower-to-upper case change (`dbPass`), and between letters and digits.
 */
function wordStarts(key: string): Set<number> {
  const starts = new Set<number>([0]);
  let at = 0;
  let previous = '';
  for (const char of key) {
    if (!/[a-z0-9]/i.test(char)) {
      previous = '';
      starts.add(at);
      continue;
    }
    const upperAfterLower = /[A-Z]/.test(char) && /[a-z]/.test(previous);
    const digitEdge = previous !== '' && /\d/.test(char) !== /\d/.test(previous);
    if (upperAfterLower || digitEdge) starts.add(at);
    previous = char;
    at += 1;
  }
  return starts;
}

function matchesEntry(key: string, name: string, entry: string): boolean {
  if (entry.length === 0 || !name.endsWith(entry)) return false;
  return entry.length >= WORD_START_BELOW || wordStarts(key).has(name.length - entry.length);
}

const matchesPattern = (key: string) => (pattern: RegExp) => {
  pattern.lastIndex = 0;
  return pattern.test(key);
};

/**
 * The redaction policy of `redactKeys` + `redactAllowKeys` + `redact`. An allowed key (a string
 * equal to the whole key once normalised, or a RegExp tested on it) is never redacted for its
 * name; its value is still checked for secret shapes.
 */
export function createRedaction(
  keys: ReadonlyArray<string | RegExp>,
  hook?: RedactHook,
  allowKeys: ReadonlyArray<string | RegExp> = [],
): Redaction {
  const entries = keys.filter((k): k is string => typeof k === 'string').map(normalise);
  const patterns = keys.filter((k): k is RegExp => k instanceof RegExp);
  const allowed = new Set(allowKeys.filter((k): k is string => typeof k === 'string').map(normalise));
  const allowPatterns = allowKeys.filter((k): k is RegExp => k instanceof RegExp);
  const memo = new Map<string, boolean>();
  return {
    maskedSecret(text) {
      const masked = maskSecrets(text);
      return masked === text ? undefined : masked;
    },
    secretKey(key) {
      const known = memo.get(key);
      if (known !== undefined) return known;
      const name = normalise(key);
      const secret =
        !(allowed.has(name) || allowPatterns.some(matchesPattern(key))) &&
        (entries.some((entry) => matchesEntry(key, name, entry)) || patterns.some(matchesPattern(key)));
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
  maskedSecret: () => undefined,
  secretKey: () => false,
  hook: () => false,
  hasHook: false,
};
