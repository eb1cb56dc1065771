import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../src/parser.js';

test('splits plain fields', () => {
  assert.deepEqual(parseLine('a,b,c'), ['a', 'b', 'c']);
});

test('keeps commas inside quotes', () => {
  assert.deepEqual(parseLine('"a,b",c'), ['a,b', 'c']);
});

test('unescapes doubled quotes', () => {
  assert.deepEqual(parseLine('"say ""hi""",x'), ['say "hi"', 'x']);
});
