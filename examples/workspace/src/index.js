// The package entry point.
export { parseLine } from './parser.js';
