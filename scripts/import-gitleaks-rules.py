#!/usr/bin/env python3
# Converts gitleaks' default rule set (config/gitleaks.toml, MIT) into sandbox/log/rules/gitleaks.ts: the rule data only
# (ids, regexes as JavaScript sources, keywords, entropy, secret groups, allowlists), none of gitleaks' code.
# Usage: python3 scripts/import-gitleaks-rules.py <path to gitleaks.toml> <gitleaks commit>
# Go RE2 syntax is rewritten for JavaScript: a leading (?i)/(?s) becomes a flag, a (?i) later on becomes (?i:...) up to
# the end of its group, \z becomes (?![\s\S]). Rules for file paths only, and allowlists that need a file path, are left
# out (Airlock redacts strings, not files). A rule that does not compile in JavaScript is left out and named below.
import json, re, sys, tomllib

def close_of_group(src: str, start: int) -> int:
    """Index where the group enclosing `start` closes (or len(src))."""
    depth, i, in_class = 0, start, False
    while i < len(src):
        c = src[i]
        if c == '\\': i += 2; continue
        if in_class:
            if c == ']': in_class = False
        elif c == '[': in_class = True
        elif c == '(': depth += 1
        elif c == ')':
            if depth == 0: return i
            depth -= 1
        i += 1
    return len(src)

def to_js(src: str):
    flags = ''
    while True:
        m = re.match(r'^\(\?([is]+)\)', src)
        if not m: break
        flags += ''.join(f for f in m.group(1) if f not in flags)
        src = src[m.end():]
    while '(?i)' in src:
        at = src.index('(?i)')
        end = close_of_group(src, at + 4)
        src = src[:at] + '(?i:' + src[at + 4:end] + ')' + src[end:]
    while '(?s)' in src:
        at = src.index('(?s)')
        end = close_of_group(src, at + 4)
        src = src[:at] + '(?s:' + src[at + 4:end] + ')' + src[end:]
    src = src.replace('\\z', '(?![\\s\\S])')
    src = src.replace('(?P<', '(?<')
    return src, flags

def main():
    toml_file, commit = sys.argv[1], sys.argv[2]
    conf = tomllib.load(open(toml_file, 'rb'))
    rules, skipped = [], []
    for r in conf['rules']:
        if 'regex' not in r:
            skipped.append(r['id']); continue
        source, flags = to_js(r['regex'])
        rule = {'id': r['id'], 'source': source, 'flags': flags, 'keywords': [k.lower() for k in r.get('keywords', [])]}
        if 'entropy' in r: rule['entropy'] = r['entropy']
        if 'secretGroup' in r: rule['secretGroup'] = r['secretGroup']
        allow = []
        for a in r.get('allowlists', []):
            if 'paths' in a: continue
            entry = {'target': a.get('regexTarget', 'secret')}
            if a.get('regexes'): entry['regexes'] = [dict(zip(('source', 'flags'), to_js(x))) for x in a['regexes']]
            if a.get('stopwords'): entry['stopwords'] = [s.lower() for s in a['stopwords']]
            allow.append(entry)
        if allow: rule['allowlists'] = allow
        rules.append(rule)
    out = [
        '// Secret-detection rules: the rule data of gitleaks\' default configuration, converted for JavaScript by',
        '// scripts/import-gitleaks-rules.py. Generated: do not edit; re-run the script to update.',
        f'// Source: https://github.com/gitleaks/gitleaks config/gitleaks.toml at commit {commit}.',
        '// gitleaks is MIT licensed: Copyright (c) 2019 Zachary Rice. Permission is hereby granted, free of charge, to any',
        '// person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the',
        '// Software without restriction, subject to the condition that the above copyright notice and this permission notice',
        '// shall be included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT',
        '// WARRANTY OF ANY KIND.',
        f'// Left out (file-path rules): {", ".join(skipped) or "none"}.',
        "import type { SecretRuleData } from '../secretRules.js';",
        '',
        f'export const GITLEAKS_COMMIT = {json.dumps(commit)};',
        '',
        'export const GITLEAKS_RULES: readonly SecretRuleData[] = ' + json.dumps(rules, indent=0, ensure_ascii=True) + ';',
        '',
    ]
    open('sandbox/log/rules/gitleaks.ts', 'w').write('\n'.join(out))
    print(f'{len(rules)} rules written, {len(skipped)} left out')

main()
