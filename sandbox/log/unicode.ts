// Well-formed UTF-16 checks (ES2024 string methods Node has and the project's TypeScript lib, ES2023, does not declare).

interface WellFormed { isWellFormed(): boolean; toWellFormed(): string }

/** False when the string holds a lone surrogate, which RFC 8785 (and so the log) cannot represent. */
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed();
}

/** The string with every lone surrogate replaced by U+FFFD. */
export function toWellFormed(s: string): string {
  return (s as unknown as WellFormed).toWellFormed();
}
