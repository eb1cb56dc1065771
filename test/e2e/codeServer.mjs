// code-server for the end-to-end test: installed once into a cache outside the project's dependencies, started on loopback.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';

/** Node 24 (the `node` devDependency when run through npm scripts): code-server requires it to install and to run. */
export function node24() {
  const exec = fs.realpathSync(process.execPath);
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 24) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 24; run this through "npm run test:e2e" (the node devDependency), not Node ${process.versions.node}`);
  return { bin: exec, dir: path.dirname(path.dirname(exec)) };
}

export function cacheDir() {
  const base = process.env.AIRLOCK_E2E_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'airlock-e2e');
  return path.join(base, `code-server-${CODE_SERVER_VERSION}`);
}

/** Installs code-server into the cache unless it is already there; returns its entry script. */
export function ensureCodeServer(log) {
  const dir = cacheDir();
  const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = path.join(dir, '.installed');
  if (fs.existsSync(entry) && fs.existsSync(marker)) return entry;
  const { dir: nodeDir } = node24();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (once; several minutes: it builds native modules)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'airlock-e2e-code-server', private: true }));
  // Its native modules must be built for Node 24 with Node 24's headers (the user's npmrc may point nodedir elsewhere).
  const env = { ...process.env, PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: nodeDir };
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli ? [process.execPath, [npmCli]] : ['npm', []];
  execFileSync(cmd, [...args, 'install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env, stdio: 'inherit' });
  if (!fs.existsSync(entry)) throw new Error(`code-server installed, but ${entry} is missing`);
  fs.writeFileSync(marker, new Date().toISOString());
  return entry;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts code-server in its own process group with its own config, data and temp folders; stop() ends the group. */
export async function startCodeServer({ entry, runDir, workspace, extensionsDir, env = {}, log }) {
  const port = await freePort();
  const dirs = Object.fromEntries(['config', 'data', 'cache', 'user-data', 'tmp'].map((d) => [d, path.join(runDir, d)]));
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs['user-data'], 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off',
    'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'chat.disableAIFeatures': true,
    'workbench.tips.enabled': false, 'window.restoreWindows': 'none', 'files.autoSave': 'off',
  }, null, 2));
  fs.writeFileSync(path.join(runDir, 'config.yaml'), 'auth: none\n');
  const { bin } = node24();
  const args = [entry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened', '--config', path.join(runDir, 'config.yaml'),
    '--user-data-dir', dirs['user-data'], '--extensions-dir', extensionsDir];
  const childEnv = {
    ...process.env, ...env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache, TMPDIR: dirs.tmp,
    PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}`,
  };
  const started = Date.now();
  const child = spawn(bin, [...args, workspace], { env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(runDir, 'code-server.log'));
  child.stdout.pipe(logFile);
  child.stderr.pipe(logFile);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${path.join(runDir, 'code-server.log')}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not yet */ }
    if (i > 600) throw new Error('code-server did not answer /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`code-server ${CODE_SERVER_VERSION} on ${url} (healthy after ${Date.now() - started} ms)`);
  return {
    url, pid: child.pid, started, env: childEnv,
    installExtension(vsix) {
      execFileSync(bin, [entry, '--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', dirs['user-data']],
        { env: childEnv, stdio: 'pipe' });
    },
    async stop() {
      if (child.exitCode !== null) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      const deadline = Date.now() + 5000;
      while (child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    },
  };
}

/** Installs an extension before code-server starts (so it activates with the first window). */
export function installExtension(entry, vsix, extensionsDir, runDir) {
  const { bin } = node24();
  execFileSync(bin, [entry, '--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', path.join(runDir, 'user-data')],
    { stdio: 'pipe', env: { ...process.env, XDG_CONFIG_HOME: path.join(runDir, 'config'), XDG_DATA_HOME: path.join(runDir, 'data'), TMPDIR: path.join(runDir, 'tmp') } });
}

/** Processes in a process group whose command line contains `needle` (ps, Linux). */
export function processesInGroup(pgid, needle) {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter(Boolean)
    .filter((m) => Number(m[2]) === pgid && m[3].includes(needle)).map((m) => Number(m[1]));
}
