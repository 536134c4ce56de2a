/**
 * Secrets recognised by their shape, whatever key holds them: credentials in headers and
 * connection strings, private keys, and the token formats that issuers made recognisable on
 * purpose (fixed prefixes, checksummed lengths). The rules follow gitleaks' default rule set
 * (config/gitleaks.toml), narrowed to the formats that do not need entropy scoring, so that a
 * match is a secret and not a model weight or a digest.
 *
 * Why a table here rather than a package: the maintained rule sets on npm (secretlint's presets)
 * are asynchronous, per-file linters, while capture checks every string of every value
 * synchronously, inside the activity's own call.
 *
 * Each rule's pattern is global; `mask` keeps what tells a reader what was there (the scheme,
 * the parameter name, the key's header) and replaces the secret part with `***`.
 */

function isCredential(scheme: string, credential: string): boolean {
  if (scheme.toLowerCase() !== 'basic') return /\d/.test(credential);
  return (
    /^[A-Za-z0-9+/]+=*$/.test(credential) &&
    Buffer.from(credential, 'base64').toString('latin1').includes(':')
  );
}

interface SecretShape {
  /** gitleaks' rule id, or ours when gitleaks has none. */
  readonly id: string;
  /** Text every match contains: the rule's pattern runs only on strings that have it. */
  readonly needs: string;
  readonly pattern: RegExp;
  readonly mask: string | ((match: string, ...groups: string[]) => string);
}

const STARS = '***';

/** Query and connection-string parameter names whose values are secrets. */
const SECRET_PARAMS =
  'password|passwd|pwd|pass|passphrase|secret|client_secret|token|access_token|refresh_token|id_token|' +
  'auth|auth_token|api_key|apikey|api-key|key|sig|signature|x-amz-signature|x-amz-credential|' +
  'x-amz-security-token|sessionid|session_token|accountkey|sharedaccesskey|private_key';

export const SECRET_SHAPES: readonly SecretShape[] = [
  // `scheme://user:password@host`, including jdbc:postgresql://… URLs.
  {
    id: 'url-password',
    needs: '://',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^/?#@:\s]*):[^/?#@\s]*@/gi,
    mask: `$1:${STARS}@`,
  },
  // `?password=…&…`, `;password=…;` (jdbc:sqlserver, ADO.NET, Azure connection strings).
  {
    id: 'secret-parameter',
    needs: '=',
    pattern: new RegExp(`([?&;]\\s*(?:${SECRET_PARAMS})\\s*=)[^&;#\\s"']+`, 'gi'),
    mask: `$1${STARS}`,
  },
  {
    id: 'connection-string-password',
    needs: '=',
    pattern: /(^|\s)((?:password|pwd|accountkey|sharedaccesskey)\s*=)[^;\s"']+/gi,
    mask: `$1$2${STARS}`,
  },
  // HTTP credentials: `Bearer <token>`, `Token <token>`, `Basic <base64 of user:password>`. The
  // check keeps prose ("Basic statistics", "Bearer of news") readable: a token has a digit, and
  // a Basic credential decodes to `user:password`.
  {
    id: 'http-credentials',
    needs: ' ',
    pattern: /\b(Bearer|Token|Basic)\s+([A-Za-z0-9._~+/-]{8,}=*)/gi,
    mask: (match, scheme, credential) => (isCredential(scheme, credential) ? `${scheme} ${STARS}` : match),
  },
  // PEM private keys, also when the END line was cut off (gitleaks: private-key).
  {
    id: 'private-key',
    needs: 'PRIVATE KEY',
    pattern:
      /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|$)/g,
    mask: `-----BEGIN PRIVATE KEY-----${STARS}-----END PRIVATE KEY-----`,
  },
  // JSON Web Tokens: base64url header and payload, both JSON objects (`eyJ` is `{"`) (gitleaks: jwt).
  {
    id: 'jwt',
    needs: 'eyJ',
    pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g,
    mask: STARS,
  },
  // AWS access key ids (gitleaks: aws-access-token).
  {
    id: 'aws-access-key-id',
    needs: 'A',
    pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g,
    mask: STARS,
  },
  // GitHub tokens: personal, OAuth, user-to-server, server-to-server, refresh; fine-grained PATs.
  { id: 'github-token', needs: 'gh', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, mask: STARS },
  { id: 'github-fine-grained-pat', needs: 'github_pat_', pattern: /\bgithub_pat_\w{82}\b/g, mask: STARS },
  { id: 'gitlab-pat', needs: 'glpat-', pattern: /\bglpat-[\w-]{20}\b/g, mask: STARS },
  // Slack bot, user, app and config tokens, and incoming webhooks.
  { id: 'slack-token', needs: 'xox', pattern: /\bxox[abeoprs]-(?:\d+-)?[0-9A-Za-z-]{10,250}/g, mask: STARS },
  {
    id: 'slack-webhook-url',
    needs: 'hooks.slack.com',
    pattern: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9+/]{43,56}/g,
    mask: `$1${STARS}`,
  },
  // Stripe secret and restricted keys.
  {
    id: 'stripe-access-token',
    needs: 'k_',
    pattern: /\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}\b/g,
    mask: STARS,
  },
  { id: 'gcp-api-key', needs: 'AIza', pattern: /\bAIza[\w-]{35}\b/g, mask: STARS },
  {
    id: 'openai-api-key',
    needs: 'T3BlbkFJ',
    pattern: /\bsk-(?:proj-|svcacct-|admin-)?[\w-]{20,}T3BlbkFJ[\w-]{20,}/g,
    mask: STARS,
  },
  {
    id: 'anthropic-api-key',
    needs: 'sk-ant-',
    pattern: /\bsk-ant-(?:api|admin)\d{2}-[\w-]{80,120}/g,
    mask: STARS,
  },
  { id: 'huggingface-access-token', needs: 'hf_', pattern: /\bhf_[A-Za-z]{34}\b/g, mask: STARS },
  { id: 'npm-access-token', needs: 'npm_', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, mask: STARS },
  { id: 'pypi-upload-token', needs: 'pypi-', pattern: /\bpypi-AgEIcHlwaS5vcmc[\w-]{50,}/g, mask: STARS },
  { id: 'sendgrid-api-token', needs: 'SG.', pattern: /\bSG\.[\w-]{22}\.[\w-]{43}\b/g, mask: STARS },
];

/**
 * One test that (nearly) every rule's match passes, so that an ordinary string (a file name, a
 * label, a sentence) costs a single scan. Case-sensitive, unlike some rules, because a
 * case-insensitive alternation costs several times more per character; it still catches
 * `Bearer`, `bearer` and `BEARER`.
 */
const MAYBE_SECRET =
  /:\/\/|=|PRIVATE KEY|eyJ|A3T|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|glpat-|xox|hooks\.slack|k_(?:test|live|prod)_|AIza|sk-|hf_|npm_|pypi-|SG\.|(?:[Bb]earer|[Bb]asic|[Tt]oken|BEARER|BASIC|TOKEN)\s/;

/**
 * `text` with every secret in it masked: URL passwords (`postgres://u:***@host`), secret query
 * parameters (`?password=***`), `Bearer ***`, private keys, tokens of well-known formats. The
 * same string when it holds none.
 */
export function maskSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let masked = text;
  for (const { needs, pattern, mask } of SECRET_SHAPES) {
    if (!masked.includes(needs)) continue;
    pattern.lastIndex = 0;
    masked = typeof mask === 'string' ? masked.replace(pattern, mask) : masked.replace(pattern, mask);
  }
  return masked;
}
