// Redaction: every secret kind is replaced by `[redacted:<kind>]` before anything reaches the log file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { redactString, redactValue } from '../../sandbox/log/redact.js';
import { ActionLog } from '../../sandbox/log/writer.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { tempDir } from './helpers.js';

const PEM = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', '-----END OPENSSH PRIVATE KEY-----'].join('\n');

/** [kind, text containing a secret, the secret itself] */
const SAMPLES: [string, string, string][] = [
  ['aws-access-key', 'aws s3 ls --profile x AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['aws-access-key', 'temporary ASIAY34FZKBOKMUTVV7A key', 'ASIAY34FZKBOKMUTVV7A'],
  ['github-token', 'git clone https://x/ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
  ['github-token', 'token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv'],
  ['github-token', 'gho_abcdefghijklmnopqrstuvwxyz0123456789 ghs_abcdefghijklmnopqrstuvwxyz0123', 'gho_abcdefghijklmnopqrstuvwxyz0123456789'],
  ['openai-key', 'OPENAI=sk-proj-abcdefghijklmnopqrstuvwxyzABCDEF012345', 'sk-proj-abcdefghijklmnopqrstuvwxyzABCDEF012345'],
  ['openai-key', 'key sk-abcdefghijklmnopqrstuvwxyz012345', 'sk-abcdefghijklmnopqrstuvwxyz012345'],
  ['anthropic-key', 'x-api sk-ant-api03-abcdefghijklmnopqrstuvwxyz-0123456789_AA', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz-0123456789_AA'],
  ['slack-token', 'SLACK xoxb-123456789012-1234567890123-abcdefghijkl', 'xoxb-123456789012-1234567890123-abcdefghijkl'],
  ['private-key', `key file:\n${PEM}\nend`, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ'],
  ['authorization', 'curl -H "Authorization: Bearer abc.def.ghi" https://x', 'abc.def.ghi'],
  ['cookie', 'curl -H "Cookie: session=s3cr3tvalue; theme=dark" https://x', 's3cr3tvalue'],
  ['bearer-token', 'header bearer value: Bearer eyJhbGciOiJIUzI1NiJ9.payload', 'eyJhbGciOiJIUzI1NiJ9.payload'],
  ['url-token', 'https://api.example.test/v1?access_token=tok_9f8e7d6c5b&page=2', 'tok_9f8e7d6c5b'],
  ['url-token', 'https://x.test/download?X-Amz-Signature=abcdef0123456789&X-Amz-Expires=60', 'abcdef0123456789'],
  ['url-token', 'https://x.test/cb?api_key=K3Y-VALUE#frag', 'K3Y-VALUE'],
  ['url-password', 'git clone https://alice:hunter2hunter2@git.example.test/repo.git', 'hunter2hunter2'],
  ['env-secret', 'GITHUB_TOKEN=abc123secretvalue npm publish', 'abc123secretvalue'],
  ['cli-secret', 'mysql --password=letmein99 -u root', 'letmein99'],
];

describe('log redaction', () => {
  for (const [kind, text, secret] of SAMPLES) {
    it(`redacts ${kind} in free text: ${JSON.stringify(text.slice(0, 40))}`, () => {
      const out = redactString(text);
      assert.ok(!out.includes(secret), `secret still present in ${out}`);
      assert.ok(out.includes(`[redacted:${kind}]`), `expected [redacted:${kind}] in ${out}`);
    });
  }

  it('keeps keys named like Object.prototype members as they are (constructor, toString, hasOwnProperty)', () => {
    assert.deepEqual(redactValue({ constructor: 'c', toString: 't', hasOwnProperty: 'h' }), { constructor: 'c', toString: 't', hasOwnProperty: 'h' });
  });

  it('leaves ordinary paths, commands and URLs alone', () => {
    for (const text of ['src/index.ts', 'npm test -- --grep basic', 'https://registry.npmjs.org/zod?version=4', 'git commit -m "tokenize input"', 'fs.write.allow[0]']) {
      assert.equal(redactString(text), text);
    }
  });

  it('redacts header objects by name: Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key', () => {
    const headers = { Authorization: 'Basic dXNlcjpwYXNz', 'proxy-authorization': 'x', Cookie: 'a=b', 'Set-Cookie': 'c=d', 'X-Api-Key': 'k', Accept: 'text/html' };
    assert.deepEqual(redactValue({ headers }), {
      headers: {
        Authorization: '[redacted:authorization]', 'proxy-authorization': '[redacted:authorization]', Cookie: '[redacted:cookie]',
        'Set-Cookie': '[redacted:cookie]', 'X-Api-Key': '[redacted:api-key]', Accept: 'text/html',
      },
    });
  });

  it('redacts env maps by variable name, and keeps harmless values and flags', () => {
    const env = { GITHUB_TOKEN: 'ghp_x', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', DB_PASSWORD: 'p', OPENAI_API_KEY: 'k', npm_config_registry: 'https://r.test', HOME: '/home/u', CI: true };
    assert.deepEqual(redactValue({ env }), {
      env: { GITHUB_TOKEN: '[redacted:secret]', AWS_SECRET_ACCESS_KEY: '[redacted:secret]', DB_PASSWORD: '[redacted:secret]', OPENAI_API_KEY: '[redacted:secret]', npm_config_registry: 'https://r.test', HOME: '/home/u', CI: true },
    });
  });

  it('returns the same object when nothing needs redacting (nothing is copied)', () => {
    const rule = { layer: 'workspace', jsonPath: 'fs.write.allow[0]', pattern: 'src/**' };
    assert.equal(redactValue(rule), rule);
  });

  it('redacts what a value renders through toJSON (a URL object with a password and a token)', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'u.jsonl');
      const keyDir = path.join(dir, 'keys');
      const log = ActionLog.open({ file, session: 's', policyHash: 'p'.repeat(64), keyDir });
      log.append({ kind: 'outcome', data: { url: new URL('https://alice:hunter2pass@api.test/x?access_token=tok123456789abc') } });
      log.close();
      const text = fs.readFileSync(file, 'utf8');
      for (const secret of ['hunter2pass', 'tok123456789abc']) assert.ok(!text.includes(secret), `${secret} reached the log`);
      assert.ok(text.includes('api.test/x'), 'the rest of the URL is kept');
      assert.equal(verifyLog(file, { keyDir }).ok, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redacts before anything is written: target, error message, rule, task, action and data never hold the secret in the file', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'r.jsonl');
      const keyDir = path.join(dir, 'keys');
      const log = ActionLog.open({ file, session: 's', policyHash: 'p'.repeat(64), keyDir, header: { env: { NPM_TOKEN: 'npm_abcdefabcdef' } } });
      const e = log.append({
        kind: 'decision', task: 't', action: 'net.fetch', verdict: 'ask', decidedBy: 'user',
        target: 'https://api.test/?token=ghp_16C7e42F292c6912E7710c838347Ae178B4a',
        rule: { layer: 'grant', pattern: 'https://api.test/?key=AKIAIOSFODNN7EXAMPLE' },
        error: { code: 'net.failed', message: 'server said: invalid key sk-ant-api03-abcdefghijklmnopqrstuvwxyz' },
        data: { headers: { authorization: 'Bearer abcdefghijkl' }, env: { STRIPE_SECRET: 'sk_live_x' }, body: PEM },
      });
      log.close();
      const text = fs.readFileSync(file, 'utf8');
      for (const secret of ['ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'AKIAIOSFODNN7EXAMPLE', 'sk-ant-api03', 'abcdefghijkl', 'sk_live_x', 'b3BlbnNzaC1rZXkt', 'npm_abcdefabcdef']) {
        assert.ok(!text.includes(secret), `${secret} reached the log`);
      }
      assert.equal(e.target, 'https://api.test/?token=[redacted:github-token]', 'the most specific kind wins');
      assert.ok(text.includes('[redacted:private-key]'));
      assert.ok(text.includes('[redacted:authorization]'));
      assert.equal(verifyLog(file, { keyDir }).ok, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
