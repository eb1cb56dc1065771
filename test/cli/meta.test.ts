// `airlock --version` and `airlock completion`: the version of the installation, and completion scripts real shells run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runAirlock } from '../support/cli.js';

describe('airlock --version and completion', function () {
  this.timeout(60_000); // several CLI starts from the TypeScript sources: slow on a loaded machine
  it('prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runAirlock([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), pkg.version);
    }
  });

  it('bash completion completes commands, subcommands and options in a real bash', async () => {
    const r = await runAirlock(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-compl-')), 'airlock.bash');
    fs.writeFileSync(file, r.stdout);
    const complete = (...words: string[]) => execFileSync('bash', ['-c',
      `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _airlock; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', file, 'airlock', ...words,
    ], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    assert.deepEqual(complete('pol'), ['policy']);
    assert.deepEqual(complete('policy', '').sort(), ['check', 'explain', 'test']);
    assert.ok(complete('run', '--rep').includes('--reporter'));
    assert.ok(complete('').includes('completion') && complete('').includes('verify'));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('zsh and fish scripts name every command; an unknown shell is bad input (exit 2)', async () => {
    const zsh = await runAirlock(['completion', 'zsh']);
    assert.match(zsh.stdout, /bashcompinit/);
    assert.match(zsh.stdout, /complete -o default -F _airlock airlock/);
    const fish = await runAirlock(['completion', 'fish']);
    assert.match(fish.stdout, /complete -c airlock -n '__fish_use_subcommand' -a 'run'/);
    assert.match(fish.stdout, /complete -c airlock -n '__fish_seen_subcommand_from policy' -a 'explain'/);
    const bad = await runAirlock(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown shell "tcsh"; use one of bash, zsh, fish/);
  });
});
