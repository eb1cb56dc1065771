// Platforms isolated-vm ships prebuilt binaries for: the harness runs only there, and the extension says so elsewhere.
export const SUPPORTED_PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64'] as const;

export function platformSupport(platform: string, arch: string): { ok: true } | { ok: false; message: string } {
  const key = `${platform}-${arch}`;
  if ((SUPPORTED_PLATFORMS as readonly string[]).includes(key)) return { ok: true };
  return {
    ok: false,
    message: `Airlock's harness cannot run on ${key}: its script isolate (isolated-vm) ships only for ${SUPPORTED_PLATFORMS.join(', ')}. `
      + 'Agent actions cannot be approved here, so none are allowed; use Airlock on one of those platforms (or a remote host on one).',
  };
}
