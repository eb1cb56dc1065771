// Content digests for log entries: the log records `sha256:<hex>` of contents, never the contents.
import crypto from 'node:crypto';

export function digest(data: string | Uint8Array): string {
  return `sha256:${crypto.hash('sha256', data, 'hex')}`;
}
