// Lint: rules too broad to be safe and unreadable patterns fail the load, at the pattern, with the reason and a fix.
import assert from 'node:assert/strict';
import { formatProblem } from '../../sandbox/errors.js';
import { loadPolicy } from '../../sandbox/policy/load.js';
import { makeWorkspace } from '../support/workspace.js';
import type { TempWorkspace } from '../support/workspace.js';

describe('policy lint', () => {
  let ws: TempWorkspace;
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(() => ws.cleanup());

  /** Loads a policy written from `doc` (pretty-printed) and returns its problems and warnings, formatted. */
  const lint = (doc: Record<string, unknown>) => {
    ws.write('.airlock/policy.json', JSON.stringify({ version: 1, ...doc }, null, 2));
    const result = loadPolicy({ workspaceRoot: ws.root });
    return result.ok
      ? { ok: true, errors: [] as string[], warnings: result.warnings.map(formatProblem) }
      : {
        ok: false,
        errors: result.problems.filter((p) => p.severity !== 'warning').map(formatProblem),
        warnings: result.problems.filter((p) => p.severity === 'warning').map(formatProblem),
      };
  };
  const onlyError = (doc: Record<string, unknown>): string => {
    const r = lint(doc);
    assert.equal(r.ok, false, 'the policy should be refused');
    assert.equal(r.errors.length, 1, r.errors.join('\n'));
    return r.errors[0] ?? '';
  };
  const onlyWarning = (doc: Record<string, unknown>): string => {
    const r = lint(doc);
    assert.equal(r.ok, true, r.errors.join('\n'));
    assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
    return r.warnings[0] ?? '';
  };

  describe('fs.write.allow', () => {
    it('refuses "**" at its place in the file', () => {
      assert.equal(onlyError({ fs: { write: { allow: ['src/**', 'test/**', '**'] } } }),
        '.airlock/policy.json:8:9 fs.write.allow[2]: pattern "**" lets the agent write anywhere in the workspace; name the folders it needs, e.g. "src/**"');
    });

    it('refuses "**/*", "*", and patterns starting with "**"', () => {
      assert.match(onlyError({ fs: { write: { allow: ['**/*'] } } }), /fs\.write\.allow\[0\]: pattern "\*\*\/\*" lets the agent write anywhere in the workspace/);
      assert.match(onlyError({ fs: { write: { allow: ['*'] } } }), /pattern "\*" lets the agent write every file at the top of the workspace; name the files or folders it needs$/);
      assert.match(onlyError({ fs: { write: { allow: ['**/*.ts'] } } }),
        /pattern "\*\*\/\*\.ts" starts with "\*\*", so it matches in every folder of the workspace; anchor it to a folder, e.g. "src\/\*\*\/\*\.ts"$/);
    });

    it('refuses "/**", which a leading "/" anchors at the workspace root', () => {
      assert.match(onlyError({ fs: { write: { allow: ['/**'] } } }), /pattern "\/\*\*" lets the agent write anywhere in the workspace/);
    });

    it('refuses the whole disk and the whole home directory', () => {
      assert.match(onlyError({ fs: { write: { allow: ['//**'] } } }), /lets the agent write anywhere on the disk/);
      assert.match(onlyError({ fs: { write: { allow: ['~/**'] } } }), /lets the agent write anywhere in your home directory/);
    });

    it('refuses broad writes in task templates too', () => {
      const error = onlyError({ tasks: { fix: { intent: 'fix', scope: { fs: { write: { allow: ['**'] } } } } } });
      assert.match(error, /tasks\.fix\.scope\.fs\.write\.allow\[0\]: pattern "\*\*" lets the agent write anywhere/);
    });

    it('accepts named folders, and broad deny lists', () => {
      assert.deepEqual(lint({ fs: { write: { allow: ['src/**', 'docs/*.md'], deny: ['**', '**/*.lock'] } } }), { ok: true, errors: [], warnings: [] });
    });
  });

  describe('fs.read.allow', () => {
    it('warns that "**" reads secrets unless they are denied', () => {
      assert.match(onlyWarning({ fs: { read: { allow: ['**'] } } }),
        /^\.airlock\/policy\.json:6:9 fs\.read\.allow\[0\]: warning: pattern "\*\*" lets the agent read anywhere in the workspace, secrets included unless fs\.read\.deny lists them/);
    });

    it('does not warn when the policy or a preset it extends denies secrets', () => {
      assert.deepEqual(lint({ fs: { read: { allow: ['**'], deny: ['**/.env*'] } } }).warnings, []);
      assert.deepEqual(lint({ extends: ['airlock:default'], fs: { read: { allow: ['**'] } } }).warnings, []);
    });
  });

  describe('net', () => {
    it('refuses any host, and any address', () => {
      assert.match(onlyError({ net: { allow: ['https://*/**'] } }),
        /net\.allow\[0\]: pattern "https:\/\/\*\/\*\*" lets the agent fetch from any host; name the hosts it needs/);
      assert.match(onlyError({ net: { allow: ['https://0.0.0.0/0/**'] } }), /lets the agent fetch from any host/);
    });

    it('refuses a wildcard over a top-level domain or a public suffix', () => {
      assert.match(onlyError({ net: { allow: ['https://*.com/**'] } }), /covers every site under the public suffix "\.com"; name the sites it needs/);
      assert.match(onlyError({ net: { allow: ['https://*.co.uk/**'] } }), /public suffix "\.co\.uk"/);
      assert.match(onlyError({ net: { allow: ['https://*.github.io/**'] } }), /public suffix "\.github\.io"/);
      assert.deepEqual(lint({ net: { allow: ['https://*.example.com/**'] } }).errors, []);
    });

    it('refuses invalid patterns: a bad scheme, port or CIDR', () => {
      assert.match(onlyError({ net: { allow: ['ftp://example.com/**'] } }), /net\.allow\[0\]: .*only http and https can be fetched, not ftp/);
      assert.match(onlyError({ net: { allow: ['https://example.com:99999/**'] } }), /net\.allow\[0\]: .*port 99999 is out of range/);
      assert.match(onlyError({ net: { deny: ['https://10.0.0.0/99'] } }), /net\.deny\[0\]: .*"10\.0\.0\.0\/99" is not a valid IP address or CIDR range/);
      assert.match(onlyError({ net: { allow: ['https://[fd00::]/200/**'] } }), /net\.allow\[0\]: .*"\[fd00::\]\/200" is not a valid IP address or CIDR range/);
      assert.match(onlyError({ net: { allow: ['example.com'] } }), /net\.allow\[0\]: .*it has no scheme:\/\//);
    });

    it('warns about plain http allows, naming how to accept the warning once reviewed', () => {
      assert.match(onlyWarning({ net: { allow: ['http://intranet.example.com:8080/**'] } }),
        /net\.allow\[0\]: warning: pattern "http:\/\/intranet\.example\.com:8080\/\*\*" allows plain http, which anyone on the network can read and alter; use https.* \[net\.plain-http; once reviewed, acknowledge it with "lint": \{"accept": \["net\.plain-http"\]\}\]$/);
    });

    it('does not warn about plain http to loopback (it never crosses a network)', () => {
      for (const p of ['http://localhost:8080/**', 'http://127.0.0.1:3000/**', 'http://[::1]:5173/**', 'http://127.0.0.0/8', 'http://app.localhost/**']) {
        assert.deepEqual(lint({ net: { allow: [p] } }).warnings, [], p);
      }
      assert.equal(lint({ net: { allow: ['http://10.0.0.1/**'] } }).warnings.length, 1);
    });

    it('"lint": {"accept": [...]} acknowledges a reviewed warning; an unknown id is an error; errors cannot be accepted', () => {
      assert.deepEqual(lint({ net: { allow: ['http://example.com/**'] }, lint: { accept: ['net.plain-http'] } }), { ok: true, errors: [], warnings: [] });
      const typo = lint({ lint: { accept: ['net.plain-htp'] } });
      assert.equal(typo.ok, false);
      assert.match(typo.errors[0] ?? '', /lint\.accept\[0\] must be one of "net\.plain-http", .*did you mean "net\.plain-http"\?/);
      assert.equal(lint({ fs: { write: { allow: ['**'] } }, lint: { accept: ['net.plain-http'] } }).ok, false);
    });
  });

  describe('exec', () => {
    it('refuses a pattern that runs any program', () => {
      assert.match(onlyError({ exec: { allow: [['*', '--version']] } }),
        /exec\.allow\[0\]\[0\]: pattern \["\*","--version"\] lets the agent run any program; name the program, e.g. \["npm", "test"\]$/);
      assert.match(onlyError({ exec: { allow: [['**']] } }), /lets the agent run any program/);
    });

    it('refuses shells with "**" or -c, since shell strings bypass argv matching', () => {
      // `sh *` lets the agent pick `-s` (commands from its input); `sh -` does the same.
      for (const argv of [['bash', '**'], ['sh', '-c', '*'], ['/bin/zsh', '-c', 'npm test'], ['pwsh', '-Command', '*'], ['cmd', '/c', '**'], ['sh', '*'], ['bash', '-s'], ['dash', '-']]) {
        assert.match(onlyError({ exec: { allow: [argv] } }), /lets the agent run any shell command string, which bypasses argv matching/, JSON.stringify(argv));
      }
      assert.deepEqual(lint({ exec: { allow: [['bash', 'scripts/build.sh']] } }).errors, []);
    });

    it('refuses programs that run other programs (env, sudo, xargs, npx...) with "**"', () => {
      for (const argv of [['env', '**'], ['sudo', '**'], ['npx', '**'], ['xargs', '-n1', '**']]) {
        assert.match(onlyError({ exec: { allow: [argv] } }), new RegExp(`lets the agent run any program through ${argv[0]}; allow the commands themselves`), JSON.stringify(argv));
      }
      assert.deepEqual(lint({ exec: { allow: [['npx', 'tsc', '--noEmit']] } }).errors, []);
    });

    it('warns about interpreters with "**"', () => {
      assert.match(onlyWarning({ exec: { allow: [['node', '**']] } }), /exec\.allow\[0\]: warning: pattern \["node","\*\*"\] lets the agent run any node code/);
      assert.match(onlyWarning({ exec: { allow: [['python3', '**']] } }), /any python3 code/);
      assert.match(onlyWarning({ exec: { allow: [['node', '*']] } }), /any node code \(e\.g\. with -e, or - reading the program from input\)/);
    });

    it('refuses "**" anywhere but last, in allows and denies', () => {
      assert.match(onlyError({ exec: { allow: [['npm', '**', 'test']] } }), /exec\.allow\[0\]\[1\]: .*"\*\*" \(the rest of the arguments\) may only be the last element/);
      assert.match(onlyError({ exec: { deny: [['git', '**', 'push']] } }), /exec\.deny\[0\]\[1\]: /);
    });
  });

  it('warns that "/etc/**" is workspace-relative and suggests "//etc/**" (in allows and denies)', () => {
    assert.match(onlyWarning({ fs: { write: { allow: ['/etc/**'] } } }),
      /fs\.write\.allow\[0\]: warning: pattern "\/etc\/\*\*" is workspace-relative: a single leading "\/" anchors it at the workspace root, not at the disk's; for the absolute path write "\/\/etc\/\*\*", for the workspace folder write "etc\/\*\*" \[fs\.leading-slash/);
    assert.match(onlyWarning({ fs: { read: { deny: ['/home/me/.ssh/**'] } } }), /"\/\/home\/me\/\.ssh\/\*\*"/);
    assert.deepEqual(lint({ fs: { write: { allow: ['//etc/airlock/**', 'src/**'] } } }).warnings, []);
  });

  it('prints a warning once even when two layers extend the same file', () => {
    ws.write('shared.json', JSON.stringify({ version: 1, net: { allow: ['http://example.com/**'] } }, null, 2));
    ws.write('baseline.json', JSON.stringify({ version: 1, extends: ['./shared.json'] }));
    ws.write('.airlock/policy.json', JSON.stringify({ version: 1, extends: ['../shared.json'] }));
    const result = loadPolicy({ workspaceRoot: ws.root, baselineFile: `${ws.root}/baseline.json` });
    assert.ok(result.ok);
    assert.equal(result.warnings.filter((w) => w.code === 'policy.plain-http').length, 1, result.warnings.map(formatProblem).join('\n'));
  });

  it('refuses ".." in globs, which would never match (a deny would protect nothing)', () => {
    assert.match(onlyError({ fs: { read: { deny: ['../secrets/**'] } } }),
      /fs\.read\.deny\[0\]: pattern "\.\.\/secrets\/\*\*" has a "\.\." segment, which never matches a normalised path; write paths outside the workspace as "\/\/abs\/path\/\*\*"/);
  });

  it('reports errors and warnings together, errors first', () => {
    const r = lint({ fs: { read: { allow: ['**'] }, write: { allow: ['**'] } } });
    assert.equal(r.ok, false);
    assert.equal(r.errors.length, 1);
    assert.equal(r.warnings.length, 1);
  });
});
