/**
 * Strings holding secrets of every shape redaction recognises (see src/artifacts/secret-shapes.ts),
 * each with the part that must never be stored. They are built from parts and a tag, so that
 * the test sources hold no token a scanner would flag and each test's samples are its own.
 */

export interface SecretSample {
  readonly name: string;
  /** The string as a pipeline would hold it. */
  readonly text: string;
  /** The part of it that must not be stored. */
  readonly secret: string;
}

/** `seed` repeated and cut to `length`, keeping only the characters in `allowed`. */
function fill(seed: string, length: number, allowed: RegExp): string {
  const chars = [...`${seed}Q7xK2mP9vR4tZ8wN3bL6`].filter((c) => allowed.test(c)).join('');
  return chars.repeat(Math.ceil(length / chars.length)).slice(0, length);
}

const ALNUM = /[A-Za-z0-9]/;
const WORD = /[\w-]/;

/** One of each secret shape; `tag` (letters and digits) makes them unique to a test. */
export function secretSamples(tag: string): SecretSample[] {
  const jwt = ['eyJhbGciOiJIUzI1NiJ9', `eyJzdWIiOi${fill(tag, 16, ALNUM)}`, `s1g${fill(tag, 20, WORD)}`].join(
    '.',
  );
  const basic = Buffer.from(`alice:pw-${tag}`).toString('base64').replace(/=+$/, '');
  const shapes: Array<[string, string, string]> = [
    ['Bearer JWT', `Bearer ${jwt}`, jwt],
    ['Basic credentials', `Basic ${basic}`, basic],
    ['bare JWT', `session was ${jwt}`, jwt],
    ['jdbc query password', `jdbc:postgresql://db.internal/f?user=u&password=pg${tag}pw`, `pg${tag}pw`],
    [
      'jdbc:sqlserver password',
      `jdbc:sqlserver://db:1433;databaseName=x;user=u;password=ms${tag}pw;`,
      `ms${tag}pw`,
    ],
    ['ADO.NET password', `Password=ado${tag}pw;Server=tcp:db;Database=y;User Id=u`, `ado${tag}pw`],
    ['URL password', `redis://:rd${tag}pw@cache:6379/0`, `rd${tag}pw`],
    [
      'presigned URL signature',
      `https://b.s3.amazonaws.com/k?X-Amz-Date=20260101&X-Amz-Signature=sig${tag}abc`,
      `sig${tag}abc`,
    ],
    [
      'PEM private key',
      `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${tag}IBAAKCAQEA\n-----END RSA PRIVATE KEY-----`,
      `MIIEow${tag}IBAAKCAQEA`,
    ],
    ['AWS access key id', `key AKIA${fill(tag.toUpperCase(), 16, /[A-Z2-7]/)} in use`, ''],
    ['GitHub token', `ghp_${fill(tag, 36, ALNUM)}`, ''],
    ['GitLab token', `glpat-${fill(tag, 20, WORD)}`, ''],
    ['Slack token', `xoxb-1234567890-${fill(tag, 24, ALNUM)}`, ''],
    ['Stripe key', `sk_${'live'}_${fill(tag, 24, ALNUM)}`, ''],
    ['Google API key', `AIza${fill(tag, 35, WORD)}`, ''],
    ['OpenAI key', `sk-proj-${fill(tag, 24, WORD)}T3BlbkFJ${fill(tag, 24, WORD)}`, ''],
    ['Anthropic key', `sk-ant-api03-${fill(tag, 93, WORD)}AA`, ''],
    ['Hugging Face token', `hf_${fill(tag, 34, /[A-Za-z]/)}`, ''],
    ['npm token', `npm_${fill(tag, 36, ALNUM)}`, ''],
  ];
  return shapes.map(([name, text, secret]) => ({
    name,
    text,
    // A bare token is all secret, less the words around it.
    secret: secret || text.replace(/^key /, '').replace(/ in use$/, ''),
  }));
}
