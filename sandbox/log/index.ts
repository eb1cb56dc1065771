// Architecture invariant: every entry is redacted, hash-chained and written (write(2) returned) by the file's single writer before append() returns; nothing else writes a log.
export type { EntryInput, EntryKind, LogEntry } from './entry.js';
export { ENTRY_KINDS } from './entry.js';
export { ActionLog, type ActionLogOptions, defaultLogDir, digest } from './writer.js';
export { verifyLog, describeReport, type VerifyReport } from './verify.js';
export { readLog, followLog, matchesFilter, type LogFilter } from './reader.js';
export { redactString, redactValue } from './redact.js';
export { airlockStateDir, defaultKeyDir, sessionLogFile, headFileOf } from './paths.js';
