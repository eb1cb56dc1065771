// Airlock's state directory, with node: builtins only (the thin hook client computes it on every agent tool call).
import os from 'node:os';
import path from 'node:path';

/** `$AIRLOCK_STATE_DIR`, else `$XDG_STATE_HOME/airlock`, else `~/.local/state/airlock`. */
export function airlockStateDir(): string {
  const override = process.env['AIRLOCK_STATE_DIR'];
  if (override) return path.resolve(override);
  const xdg = process.env['XDG_STATE_HOME'];
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'airlock');
}
