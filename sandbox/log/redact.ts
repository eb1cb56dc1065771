// Secret redaction, applied to every entry before it is serialised: the log shows that a secret was there and its kind.
import { redactByRules } from './secretRules.js';
import { isWellFormed, toWellFormed } from './unicode.js';

/** What replaces a secret: `[redacted:<kind>]`. */
export function marker(kind: string): string {
  return `[redacted:${kind}]`;
}

/** Header names whose values are credentials, and the kind they are reported as. */
// A Map, not an object literal: a key such as `constructor` must not find Object.prototype's members.
const SECRET_HEADERS: ReadonlyMap<string, string> = new Map(Object.entries({
  'authorization': 'authorization',
  'proxy-authorization': 'authorization',
  'cookie': 'cookie',
  'set-cookie': 'cookie',
  'x-api-key': 'api-key',
  'api-key': 'api-key',
  'x-auth-token': 'auth-token',
  'x-amz-security-token': 'aws-session-token',
}));

/**
 * Key names (object keys, env variable names) whose values are secrets, matched word by word so `GITHUB_TOKEN`,
 * `apiKey`, `client_secret` and `DB_PASSWORD` match while `tokenCount`-style counters are left alone only if their
 * words differ (`token` matches; we accept that over-redaction is the safe side).
 */
const SECRET_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'passphrase', 'pwd', 'credential', 'credentials', 'auth', 'apikey', 'accesskey', 'privatekey', 'secretkey', 'sessiontoken']);
const SECRET_WORD_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'session token', 'client secret']);

function keyWords(key: string): string[] {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

const keyKindCache = new Map<string, string | null>();

/** The kind of secret a key name announces, or undefined when its value may be shown. */
export function secretKeyKind(key: string): string | undefined {
  let kind = keyKindCache.get(key);
  if (kind === undefined) {
    kind = classifyKey(key) ?? null;
    if (keyKindCache.size < 10_000) keyKindCache.set(key, kind);
  }
  return kind ?? undefined;
}

function classifyKey(key: string): string | undefined {
  const header = SECRET_HEADERS.get(key.toLowerCase());
  if (header) return header;
  const words = keyWords(key);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (SECRET_WORDS.has(w)) return 'secret';
    const next = words[i + 1];
    if (next !== undefined && SECRET_WORD_PAIRS.has(`${w} ${next}`)) return 'secret';
  }
  return undefined;
}

/**
 * Airlock's own patterns inside free text, most specific first (a later pattern never matches an earlier marker): the
 * contexts that announce a secret (headers, URLs, argv options, env assignments). Vendor key formats come from the
 * maintained rule set in secretRules.ts, which runs after these.
 */
const STRING_RULES: readonly { re: RegExp; replace: string }[] = [
  { re: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g, replace: marker('private-key') },
  { re: /\bsk-ant-[A-Za-z0-9_-]{8,}/g, replace: marker('anthropic-key') },
  { re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g, replace: marker('openai-key') },
  { re: /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})/g, replace: marker('github-token') },
  { re: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, replace: marker('aws-access-key') },
  { re: /\bxox[abposr]-[A-Za-z0-9-]{8,}/g, replace: marker('slack-token') },
  // `Authorization: <anything>` / `Cookie: <anything>` written as header lines (curl -H, raw requests).
  { re: /\b((?:proxy-)?authorization)(\s*[:=]\s*)(?!\[redacted:)[^\r\n"']+/gi, replace: `$1$2${marker('authorization')}` },
  { re: /\b((?:set-)?cookie)(\s*:\s*)(?!\[redacted:)[^\r\n"']+/gi, replace: `$1$2${marker('cookie')}` },
  { re: /\b(Bearer|Token)(\s+)[A-Za-z0-9._~+/=-]{8,}/g, replace: `$1$2${marker('bearer-token')}` },
  { re: /\b(Basic)(\s+)[A-Za-z0-9+/=]{8,}/g, replace: `$1$2${marker('basic-auth')}` },
  // Credentials in URLs: the password of user:password@host, and secret-looking query parameters.
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:)(?!\[redacted:)[^\s/@]+@/gi, replace: `$1${marker('url-password')}@` },
  { re: /([?&;#](?:[a-z0-9_.-]*[_-])?(?:token|access_token|refresh_token|id_token|api[_-]?key|apikey|key|secret|client_secret|password|passwd|pwd|sig|signature|auth|code|x-amz-signature|x-amz-credential|x-amz-security-token)=)(?!\[redacted:)[^&#\s"']+/gi, replace: `$1${marker('url-token')}` },
  // NAME=value in command lines and env dumps, and --token=value / --password value flags.
  { re: /\b([A-Za-z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z0-9_]*=)(?!\[redacted:)[^\s"']+/g, replace: `$1${marker('env-secret')}` },
  { re: /(--?[A-Za-z0-9_-]*(?:token|password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|credentials?)[A-Za-z0-9_-]*(?:=|\s+))(?!\[redacted:)[^\s"'-][^\s"']*/gi, replace: `$1${marker('cli-secret')}` },
  // The same option and its value as two argv words, as an exec target shows them (argv as JSON): "--token","value".
  { re: /("--?[A-Za-z0-9_-]*(?:token|password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|credentials?)[A-Za-z0-9_-]*"\s*,\s*")(?!\[redacted:)(?:[^"\\]|\\.)*"/gi, replace: `$1${marker('cli-secret')}"` },
  // user:password after -u/--user/--proxy-user (curl, wget): the password, as two argv words or in a command line.
  { re: /("(?:-u|--user|--proxy-user)"\s*,\s*"(?:[^"\\:]|\\.)*:)(?!\[redacted:)(?:[^"\\]|\\.)+"/g, replace: `$1${marker('cli-password')}"` },
  { re: /((?:^|\s)(?:-u|--user|--proxy-user)(?:=|\s+)[^\s"':]*:)(?!\[redacted:)[^\s"']+/g, replace: `$1${marker('cli-password')}` },
  // The same with the value attached to -u (`-ualice:pw`), as one argv word or in a command line.
  { re: /((?:^|[\s"])-u(?!\[redacted:)[^\s"'\\:-][^\s"'\\:]*:)(?!\[redacted:)[^\s"'\\]+/g, replace: `$1${marker('cli-password')}` },
];

/** A query or fragment parameter whose key or value holds percent-encoding (`acc%65ss_token=...`, `k=sk%5Flive...`). */
const QUERY_PARAM = /([?&;#])([^=&#\s"'?]*)=(?!\[redacted:)([^&#\s"']+)/g;
const SECRET_QUERY_KEY = /^(?:[a-z0-9_.-]*[_-])?(?:token|access_token|refresh_token|id_token|api[_-]?key|apikey|key|secret|client_secret|password|passwd|pwd|sig|signature|auth|code|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

function percentDecoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Decodes before matching: a key spelled with percent-encoding is judged by what it decodes to. */
function redactEncodedQueryKeys(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(QUERY_PARAM, (all, sep: string, key: string, value: string) => {
    if (!key.includes('%') && !value.includes('%')) return all;
    const decoded = percentDecoded(key);
    if (SECRET_QUERY_KEY.test(decoded) || secretKeyKind(decoded) !== undefined) return `${sep}${key}=${marker('url-token')}`;
    // A value that is a secret once decoded (each %XX shortens it, so this recursion ends).
    const plain = value.includes('%') ? percentDecoded(value) : value;
    return plain !== value && redactString(plain) !== plain ? `${sep}${key}=${marker('url-token')}` : all;
  });
}

/** A cheap screen: strings that contain none of these cannot match any rule above. */
const MAYBE_SECRET = /PRIVATE KEY|sk-|gh[pousr]_|github_pat_|A[KSBC][IC]A|xox|authorization|cookie|bearer|token|basic|:\/\/[^\s/]*@|[?&;#][^=\s]*=|secret|passw|pwd|api[_-]?key|access[_-]?key|credential|-u/i;
/**
 * MAYBE_SECRET's alternatives in lower case, factored by first letter, run on the lower-cased text: about twice as
 * fast as the case-insensitive pattern, which every logged string goes through. On ASCII text both say the same; on
 * other text lower-casing can only add matches (U+212A KELVIN SIGN becomes `k`), so a match there is confirmed by
 * MAYBE_SECRET itself. Either way the screen passes exactly the strings MAYBE_SECRET passes.
 */
const MAYBE_SECRET_LOWER = /p(?:rivate key|assw|wd)|sk-|g(?:h[pousr]_|ithub_pat_)|a(?:[ksbc][ic]a|uthorization|pi[_-]?key|ccess[_-]?key)|xox|cookie|b(?:earer|asic)|token|secret|credential|:\/\/[^\s/]*@|[?&;#][^=\s]*=|-u/;
const NON_ASCII = /[^\x00-\x7f]/;

function maybeSecret(text: string): boolean {
  return MAYBE_SECRET_LOWER.test(text.toLowerCase()) && (!NON_ASCII.test(text) || MAYBE_SECRET.test(text));
}

/** Redacts secrets in free text; also replaces lone surrogates (not representable in canonical JSON) with U+FFFD. */
export function redactString(text: string): string {
  // Short strings repeat across entries (task ids, actions, rule files, JSON paths, patterns): remember their result.
  if (text.length <= MEMO_MAX_LENGTH) {
    const known = memo.get(text);
    if (known !== undefined) return known;
    const out = redactUncached(text);
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(text, out);
    return out;
  }
  return redactUncached(text);
}

const MEMO_MAX_LENGTH = 96;
const MEMO_ENTRIES = 4096;
const memo = new Map<string, string>();

function redactUncached(text: string): string {
  if (!isWellFormed(text)) text = toWellFormed(text);
  let out = text;
  if (maybeSecret(text)) {
    for (const rule of STRING_RULES) out = out.replace(rule.re, rule.replace);
    out = redactEncodedQueryKeys(out);
  }
  // Vendor keys (Stripe, Slack, npm, GCP, ... 200 kinds): gitleaks' rules, searched only when one of their keywords is there.
  return redactByRules(out, marker);
}

/**
 * Redacts a value deeply: strings by pattern, values under secret-named keys (headers, env maps, options) wholesale.
 * Returns the input itself when nothing changed, so the common case allocates nothing.
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redactValue(value[i]);
      if (r !== value[i]) (copy ??= value.slice())[i] = r;
    }
    return copy ?? value;
  }
  // Header arrays of [name, value] pairs are handled by the object case of their container; here: plain objects.
  let copy: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    let r: unknown;
    const kind = secretKeyKind(key);
    if (kind !== undefined && v !== undefined && v !== null && typeof v !== 'boolean' && v !== '') {
      r = typeof v === 'string' && v.startsWith('[redacted:') ? v : marker(kind);
    } else {
      r = redactValue(v);
    }
    if (r !== v) (copy ??= { ...obj })[key] = r;
  }
  return copy ?? value;
}
