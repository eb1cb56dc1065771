// `airlock policy check|explain|test` through the real CLI in a child process: output, located errors, exit codes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { runAirlock } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';
import type { TempWorkspace } from '../support/workspace.js';

const FAIL_CLOSED = 'Airlock fails closed with this policy: until it loads, every agent action is denied.';
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('airlock policy (CLI)', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(() => ws.cleanup());

  /**
   * `airlock policy <sub> --workspace <ws> ...args`. The child runs from the repository (tsx resolves from the cwd),
   * so files are passed as absolute paths; messages still show them relative to the workspace.
   */
  const airlock = (_policy: 'policy', sub: string, ...args: string[]): Promise<CliResult> =>
    runAirlock(['policy', sub, '--workspace', ws.root, ...args]);
  const at = (rel: string) => path.join(ws.root, rel);

  describe('check', () => {
    it('exits 0 and says ok for a valid policy (default file: .airlock/policy.json)', async () => {
      ws.write('.airlock/policy.json', '{"version": 1, "extends": ["airlock:default"], "fs": {"write": {"allow": ["src/**"]}}}');
      const r = await airlock('policy', 'check');
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'ok .airlock/policy.json\n', '']);
    });

    it('exits 2 with one located error per line on stderr, then says Airlock fails closed', async () => {
      ws.write('.airlock/policy.json', '{\n  "version": 2,\n  "fs": { "writes": {}, "read": { "allow": ["**"] } }\n}\n');
      const r = await airlock('policy', 'check');
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.deepEqual(lines(r.stderr), [
        '.airlock/policy.json:2:14 version: version must be 1, not the number 2',
        '.airlock/policy.json:3:11 fs.writes: unknown field "fs.writes"; did you mean "write"?',
        FAIL_CLOSED,
      ]);
    });

    it('checks several files, prints warnings, and exits 2 when any fails', async () => {
      ws.write('good.json', '{"version": 1, "fs": {"read": {"allow": ["**"]}}}');
      ws.write('bad.json', '{"version": 1, "fs": {"write": {"allow": ["**"]}}}');
      const r = await airlock('policy', 'check', at('good.json'), at('bad.json'));
      assert.equal(r.code, 2);
      assert.equal(r.stdout, 'ok good.json\n');
      assert.match(r.stderr, /^good\.json:1:42 fs\.read\.allow\[0\]: warning: pattern "\*\*" lets the agent read anywhere in the workspace/m);
      assert.match(r.stderr, /^bad\.json:1:43 fs\.write\.allow\[0\]: pattern "\*\*" lets the agent write anywhere in the workspace; name the folders it needs/m);
      assert.equal(lines(r.stderr).at(-1), FAIL_CLOSED);
    });

    it('prints a warning once per run, even when several checked files extend the file that causes it', async () => {
      ws.write('shared.json', '{"version": 1, "net": {"allow": ["http://example.com/**"]}}');
      ws.write('a.json', '{"version": 1, "extends": ["./shared.json"]}');
      ws.write('b.json', '{"version": 1, "extends": ["./shared.json"]}');
      const r = await airlock('policy', 'check', at('a.json'), at('b.json'));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.match(/warning: pattern "http:\/\/example\.com\/\*\*" allows plain http/g)?.length, 1, r.stderr);
    });

    it('uses airlock:default, with a warning, when the workspace has no policy; a missing explicit file is an error', async () => {
      const none = await airlock('policy', 'check');
      assert.equal(none.code, 0);
      assert.equal(none.stdout, 'ok airlock:default\n');
      assert.match(none.stderr, /warning: no policy file at \.airlock\/policy\.json; using the airlock:default preset/);
      const missing = await airlock('policy', 'check', at('nope.json'));
      assert.equal(missing.code, 2);
      assert.deepEqual(lines(missing.stderr), ['nope.json: policy file "nope.json" does not exist; check the path, or run without a file to use airlock:default', FAIL_CLOSED]);
    });
  });

  describe('explain', () => {
    const explain = async (policy: string, ...action: string[]) => {
      const r = await airlock('policy', 'explain', '--policy', policy, '--json', ...action);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { verdict: string; rule: { layer: string; pattern?: string; file?: string; jsonPath?: string }; reason: string };
    };

    it('prints the decision line and the reason', async () => {
      const r = await airlock('policy', 'explain', 'fs.write', '.git/hooks/pre-commit');
      assert.equal(r.code, 0);
      assert.deepEqual(lines(r.stdout), [
        'deny  fs.write  .git/hooks/pre-commit  ← built-in protection ".git/hooks/**"',
        '  fs.write ".git/hooks/pre-commit" is denied by built-in protection ".git/hooks/**", which no policy can open; '
        + 'Airlock protects its own files, git hooks and config, and editor settings.',
      ]);
    });

    it('answers for airlock:default: reads allowed, secrets denied, writes asked', async () => {
      const read = await explain('airlock:default', 'fs.read', 'src/index.ts');
      assert.deepEqual([read.verdict, read.rule.file, read.rule.jsonPath], ['allow', 'airlock:default', 'fs.read.allow[0]']);
      const secret = await explain('airlock:default', 'fs.read', 'config/.env');
      assert.deepEqual([secret.verdict, secret.rule.pattern], ['deny', '**/.env*']);
      const write = await explain('airlock:default', 'fs.write', 'src/index.ts');
      assert.deepEqual([write.verdict, write.rule.layer], ['ask', 'default']);
      assert.equal(write.reason, 'no rule allows fs.write "src/index.ts"; the policy default is ask.');
    });

    it('answers for airlock:node-project: npm test allowed, installs asked, publishing and protected files denied', async () => {
      assert.equal((await explain('airlock:node-project', 'exec', 'npm', 'test')).verdict, 'allow');
      assert.equal((await explain('airlock:node-project', 'net.fetch', 'https://registry.npmjs.org/zod')).verdict, 'allow');
      assert.equal((await explain('airlock:node-project', 'exec', 'npm', 'install', 'left-pad')).verdict, 'ask');
      const publish = await explain('airlock:node-project', 'exec', 'npm', 'publish', '--access', 'public');
      assert.deepEqual([publish.verdict, publish.rule.jsonPath], ['deny', 'exec.deny[0]']);
      const policyFile = await explain('airlock:node-project', 'fs.write', '.airlock/policy.json');
      assert.deepEqual([policyFile.verdict, policyFile.rule.layer], ['deny', 'builtin']);
    });

    it('answers for airlock:read-only: reads allowed, secrets and every write denied', async () => {
      assert.equal((await explain('airlock:read-only', 'fs.list', 'src')).verdict, 'allow');
      assert.equal((await explain('airlock:read-only', 'fs.read', '~/.ssh/id_rsa')).verdict, 'deny');
      const write = await explain('airlock:read-only', 'fs.write', 'README.md');
      assert.deepEqual([write.verdict, write.rule.jsonPath], ['deny', 'fs.write.deny[0]']);
      assert.equal((await explain('airlock:read-only', 'net.fetch', 'https://example.com/')).verdict, 'deny');
    });

    it('answers for airlock:web-research: https asked, plain http and commands denied', async () => {
      assert.equal((await explain('airlock:web-research', 'fs.read', 'notes.md')).verdict, 'allow');
      assert.equal((await explain('airlock:web-research', 'net.fetch', 'https://developer.mozilla.org/')).verdict, 'ask');
      assert.equal((await explain('airlock:web-research', 'net.fetch', 'http://example.com/')).verdict, 'deny');
      assert.equal((await explain('airlock:web-research', 'exec', 'curl', 'https://example.com/')).verdict, 'deny');
      assert.equal((await explain('airlock:web-research', 'fs.read', '.env')).verdict, 'deny');
    });

    it('passes an exec argv through untouched, options included', async () => {
      const r = await airlock('policy', 'explain', '--json', 'exec', 'ls', '-h', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.match((JSON.parse(r.stdout) as { reason: string }).reason, /exec \["ls","-h","--json"\]/);
    });

    it('decides within a task from a template name or a task file', async () => {
      ws.write('.airlock/policy.json', JSON.stringify({
        version: 1, fs: { write: { allow: ['src/**', 'docs/**'] } },
        tasks: { docs: { intent: 'write the docs', scope: { fs: { write: { allow: ['docs/**'] } } } } },
      }));
      ws.write('task.json', JSON.stringify({ intent: 'fix src', scope: { fs: { write: { allow: ['src/**'] } } } }));
      const outside = await airlock('policy', 'explain', '--task', 'docs', '--json', 'fs.write', 'src/a.ts');
      assert.equal((JSON.parse(outside.stdout) as { verdict: string }).verdict, 'ask');
      const inside = await airlock('policy', 'explain', '--task', at('task.json'), '--json', 'fs.write', 'src/a.ts');
      assert.equal((JSON.parse(inside.stdout) as { verdict: string }).verdict, 'allow');
      const unknown = await airlock('policy', 'explain', '--task', 'nope', 'fs.write', 'src/a.ts');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /--task "nope" is neither a task template of the policy nor a file; the policy defines "docs"/);
    });

    it('explain exec takes the command as words; a JSON array or one quoted string is refused with the fix', async () => {
      const words = await airlock('policy', 'explain', '--policy', 'airlock:default', 'exec', 'npm', 'test');
      assert.equal(words.code, 0, words.stderr);
      assert.match(words.stdout, /^ask {3}exec {2}\["npm","test"\]/m);
      const json = await airlock('policy', 'explain', '--policy', 'airlock:default', 'exec', '["npm","test"]');
      assert.equal(json.code, 2);
      assert.match(json.stderr, /the command is given as words on the command line, not as JSON: airlock policy explain exec npm test$/m);
      const quoted = await airlock('policy', 'explain', '--policy', 'airlock:default', 'exec', 'npm test');
      assert.equal(quoted.code, 2);
      assert.match(quoted.stderr, /"npm test" is one argument with spaces; if it is the command and its arguments, leave the quotes off: airlock policy explain exec npm test$/m);
    });

    it('exits 2 on bad input and on a policy that does not load, saying Airlock fails closed', async () => {
      const badAction = await airlock('policy', 'explain', 'fs.wirte', 'a.txt');
      assert.equal(badAction.code, 2);
      assert.match(badAction.stderr, /unknown action "fs\.wirte"; did you mean "fs\.write"\?/);
      const twoPaths = await airlock('policy', 'explain', 'fs.read', 'a', 'b');
      assert.equal(twoPaths.code, 2);
      const unknownPreset = await airlock('policy', 'explain', '--policy', 'airlock:nodeproject', 'fs.read', 'a');
      assert.equal(unknownPreset.code, 2);
      assert.match(unknownPreset.stderr, /unknown preset "airlock:nodeproject"; did you mean "airlock:node-project"\?/);
      ws.write('.airlock/policy.json', '{"version": 1, "exec": {"allow": [["bash", "-c", "*"]]}}');
      const broken = await airlock('policy', 'explain', 'exec', 'bash', '-c', 'rm -rf /');
      assert.equal(broken.code, 2);
      assert.equal(broken.stdout, '');
      assert.deepEqual(lines(broken.stderr), [
        '.airlock/policy.json:1:35 exec.allow[0]: pattern ["bash","-c","*"] lets the agent run any shell command string, which bypasses argv matching; '
        + 'allow the commands themselves, e.g. ["npm", "test"]',
        FAIL_CLOSED,
      ]);
    });
  });

  describe('test', () => {
    it('exits 0 and prints each example when all pass', async () => {
      const r = await airlock('policy', 'test', 'airlock:node-project');
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.ok(out.slice(0, -1).every((l) => l.startsWith('✓ ')), r.stdout);
      assert.ok(out.includes('✓ deny  fs.write  .git/hooks/pre-commit  ← built-in protection ".git/hooks/**"'), r.stdout);
      assert.match(out.at(-1) ?? '', /^airlock:node-project: \d+ passed, 0 failed$/);
    });

    it('exits 1 and says where and why when an example fails', async () => {
      ws.write('.airlock/policy.json', '{\n  "version": 1,\n  "tests": [\n    { "action": "fs.read", "target": "a.txt", "expect": "ask" },\n'
        + '    { "action": "exec", "target": "[\\"npm\\",\\"test\\"]", "expect": "allow" }\n  ]\n}\n');
      const r = await airlock('policy', 'test');
      assert.equal(r.code, 1);
      assert.deepEqual(lines(r.stdout), [
        '✓ ask   fs.read  a.txt  ← no rule allows fs.read "a.txt"; the policy default is ask.',
        '✗ ask   exec  ["npm","test"]  ← no rule allows exec ["npm","test"]; the policy default is ask.',
        '    .airlock/policy.json:5:5 tests[1]: expected allow, got ask: no rule allows exec ["npm","test"]; the policy default is ask.',
        '.airlock/policy.json: 1 passed, 1 failed',
      ]);
    });

    it('exits 2 when the policy does not load', async () => {
      ws.write('.airlock/policy.json', '{"version": 1, "extends": ["./policy.json"]}');
      const r = await airlock('policy', 'test');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /extends cycle: \.airlock\/policy\.json → \.airlock\/policy\.json/);
      assert.equal(lines(r.stderr).at(-1), FAIL_CLOSED);
    });
  });
});
