// Which Node runs the harness, probed with real binaries: the setting, PATH, the extension host; else one clear message.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverNode } from '../../src/harness/nodeDiscovery.js';
import { platformSupport } from '../../src/harness/platform.js';

const node24 = fs.realpathSync(process.execPath); // mocha runs on the node devDependency (24)
const SYSTEM_NODE = '/usr/bin/node';

describe('node discovery', () => {
  let dirs: string[] = [];
  const binDir = (target: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bin-'));
    fs.symlinkSync(target, path.join(d, 'node'));
    dirs.push(d);
    return d;
  };
  afterEach(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); dirs = []; });
  const base = { platform: process.platform, execPath: '/opt/electron/code', versions: { node: '20.18.0', electron: '34.0.0' } };

  it('uses the setting when it is Node 22 or newer', async () => {
    const found = await discoverNode({ ...base, setting: node24, pathEnv: '' });
    assert.deepEqual(found.ok && [found.source, found.node], ['setting', node24]);
  });

  it('refuses a setting that is not Node or too old, naming the setting', async () => {
    const missing = await discoverNode({ ...base, setting: '/nonexistent/node', pathEnv: binDir(node24) });
    assert.ok(!missing.ok && /"airlock\.nodePath" is set to "\/nonexistent\/node", which does not run/.test(missing.message));
    if (fs.existsSync(SYSTEM_NODE)) {
      const old = await discoverNode({ ...base, setting: SYSTEM_NODE, pathEnv: '' });
      assert.ok(!old.ok && /points to Node\.js v20\.\d+\.\d+; the harness needs 22/.test(old.message), JSON.stringify(old));
    }
  });

  it('takes `node` on PATH when it is new enough', async () => {
    const found = await discoverNode({ ...base, setting: '', pathEnv: `/nonexistent:${binDir(node24)}` });
    assert.ok(found.ok && found.source === 'path' && /^v2[2-9]\./.test(found.version));
  });

  it('falls back to the extension host when it is plain Node ≥ 22 (code-server), never to Electron', async () => {
    const pathEnv = fs.existsSync(SYSTEM_NODE) ? binDir(SYSTEM_NODE) : '';
    const host = await discoverNode({ setting: '', pathEnv, platform: process.platform, execPath: node24, versions: { node: '24.1.0' } });
    assert.ok(host.ok && host.source === 'extension-host' && host.node === node24);
    const electron = await discoverNode({ ...base, setting: '', pathEnv });
    assert.ok(!electron.ok);
    assert.match(electron.message, /Electron 34\.0\.0/);
    assert.match(electron.message, /Install Node\.js 22 or 24 .* or set "airlock\.nodePath"/);
    if (pathEnv) assert.match(electron.message, /`node` on PATH \(.*\) is v20\./);
  });

  it('says on which platforms the harness runs', () => {
    assert.deepEqual(platformSupport('linux', 'x64'), { ok: true });
    const other = platformSupport('freebsd', 'x64');
    assert.ok(!other.ok && /cannot run on freebsd-x64.*linux-x64, linux-arm64, darwin-arm64, win32-x64/.test(other.message));
  });
});

describe('harness settings', () => {
  it('refuses a log folder inside the workspace and resolves the others', async () => {
    const { harnessInitOptions } = await import('../../src/harness/settings.js');
    assert.match(harnessInitOptions('/ws', { logDirectory: 'logs' }).refused ?? '', /inside the workspace/);
    assert.match(harnessInitOptions('/ws', { logDirectory: '/ws' }).refused ?? '', /inside the workspace/);
    assert.deepEqual(harnessInitOptions('/ws', { logDirectory: '/var/log/airlock', baselinePolicyFile: 'none' }), { options: { baselinePolicyFile: 'none', logDir: '/var/log/airlock' } });
    assert.deepEqual(harnessInitOptions('/ws', { logDirectory: '../ws-logs' }).options, { logDir: '/ws-logs' });
  });
});
