// Without confinement (no bubblewrap, no user namespaces, another OS) a command is refused and says what to install;
// only a policy's explicit "exec": { "confine": "off" } runs it unconfined, and the log records that on every command.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { guardedExec } from '../../sandbox/guards/exec.js';
import { lintPolicy } from '../../sandbox/policy/lint.js';
import { Arena } from '../adversarial/support.js';
import { makeTempDir, recordingAuthorize, rejectsWithCode } from '../guards/support.js';

describe('confine: no confinement available', function () {
  this.timeout(30000);

  it('refuses the command, names what to install, and runs nothing', async () => {
    const tmp = makeTempDir();
    try {
      const marker = path.join(tmp, 'ran');
      const err = await rejectsWithCode(guardedExec({ argv: ['touch', marker] }, {
        root: tmp, authorize: recordingAuthorize().authorize, maxOutputBytes: 1000, defaultTimeoutMs: 5000,
        confine: { judge: { read: () => true, write: () => true }, homes: [], protectedOutside: [], protectedInside: [], bwrap: path.join(tmp, 'no-bwrap') },
      }), 'exec.unconfined');
      assert.match(err.message, /apt-get install bubblewrap/);
      assert.match(err.message, /"confine": "off"/);
      assert.equal(fs.existsSync(marker), false);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('through the pipeline: the agent is told why, and the log holds the refusal', async () => {
    const saved = process.env.AIRLOCK_BWRAP;
    const a = new Arena({ policy: { version: 1, extends: ['airlock:node-project'], exec: { allow: [['touch', 'src/ran']] } }, files: { 'src/index.ts': 'x\n' } });
    process.env.AIRLOCK_BWRAP = path.join(a.base, 'no-bwrap');
    try {
      const t = a.startTask({ exec: { allow: [['touch', 'src/ran']] } });
      const r = await a.perform(t, { action: 'exec', argv: ['touch', 'src/ran'] });
      assert.equal(r.outcome, 'error');
      assert.equal(r.error?.code, 'exec.unconfined');
      assert.equal(a.existsWs('src/ran'), false);
      assert.match(a.logText(), /exec\.unconfined/);
    } finally {
      if (saved === undefined) delete process.env.AIRLOCK_BWRAP;
      else process.env.AIRLOCK_BWRAP = saved;
      await a.close();
    }
  });

  it('"confine": "off" runs the command unconfined, warns in policy check, and logs it on every command', async () => {
    const doc = { version: 1 as const, extends: ['airlock:node-project'], exec: { confine: 'off' as const, allow: [['touch', 'src/ran']] } };
    const warnings = lintPolicy(doc, { file: 'policy.json', locate: () => undefined, locateKey: () => undefined }).filter((p) => p.code === 'policy.unconfined');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.severity, 'warning');
    const saved = process.env.AIRLOCK_BWRAP;
    const a = new Arena({ policy: doc, files: { 'src/index.ts': 'x\n' } });
    process.env.AIRLOCK_BWRAP = path.join(a.base, 'no-bwrap');
    try {
      const t = a.startTask({ fs: { write: { allow: ['src/**'] } }, exec: { allow: [['touch', 'src/ran']] } });
      for (let i = 0; i < 2; i++) {
        const r = await a.perform(t, { action: 'exec', argv: ['touch', 'src/ran'] });
        assert.equal(r.outcome, 'done', JSON.stringify(r));
      }
      assert.equal(a.existsWs('src/ran'), true);
      const outcomes = a.logText().split('\n').filter((l) => l.includes('"kind":"outcome"') && l.includes('"action":"exec"'));
      assert.equal(outcomes.length, 2);
      for (const l of outcomes) assert.match(l, /"confinement":\{"confinement":"off"/);
    } finally {
      if (saved === undefined) delete process.env.AIRLOCK_BWRAP;
      else process.env.AIRLOCK_BWRAP = saved;
      await a.close();
    }
  });

  it('no preset opts out: the default and node-project presets run the commands they allow confined', async () => {
    for (const preset of ['airlock:default', 'airlock:node-project', 'airlock:read-only', 'airlock:web-research']) {
      const a = new Arena({ policy: { version: 1, extends: [preset] } });
      try {
        assert.equal(a.policy.execConfine, 'on', preset);
      } finally {
        await a.close();
      }
    }
    const off = new Arena({ policy: { version: 1, extends: ['airlock:node-project'], exec: { confine: 'off' } } });
    try {
      assert.equal(off.policy.execConfine, 'off', 'the opt-out is read');
    } finally {
      await off.close();
    }
  });
});
