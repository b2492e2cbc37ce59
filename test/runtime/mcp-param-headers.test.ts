import { describe, expect, it } from 'vitest';
import { paramHeaderProblem } from '../../runtime/gateway/mcp-param-headers.ts';

const schema = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, count: { type: 'number', 'x-mcp-header': 'Count' }, note: { type: 'string' } } };
const headers = (values: Record<string, string>) => (name: string) => Object.entries(values).find(([k]) => k.toLowerCase() === name)?.[1];
const base64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

describe('Mcp-Param-* headers against x-mcp-header arguments', () => {
  it.each([
    ['literal match, whitespace around', { region: 'eu-west' }, { 'Mcp-Param-Region': '  eu-west ' }],
    ['Base64 of a non-ASCII value', { region: 'Zürich' }, { 'Mcp-Param-Region': base64('Zürich') }],
    ['a number as its JSON text', { region: 'x', count: 3 }, { 'Mcp-Param-Region': 'x', 'Mcp-Param-Count': '3' }],
    ['a literal that only looks half like Base64', { region: '=?base64?SGVsbG8=' }, { 'Mcp-Param-Region': '=?base64?SGVsbG8=' }],
    ['no argument, no header', {}, {}],
  ])('accepts %s', (_title, args, values) => {
    expect(paramHeaderProblem(schema, args, headers(values))).toBeUndefined();
  });

  it.each([
    ['a missing header', { region: 'eu' }, {}, 'is missing'],
    ['a different value', { region: 'eu' }, { 'Mcp-Param-Region': 'us' }, 'does not match'],
    ['Base64 without its padding', { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVsbG8?=' }, 'not valid Base64'],
    ['Base64 with foreign characters', { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVs!!!bG8=?=' }, 'not valid Base64'],
    ['a header without its argument', {}, { 'Mcp-Param-Region': 'eu' }, 'is set but'],
  ])('refuses %s', (_title, args, values, message) => {
    expect(paramHeaderProblem(schema, args, headers(values))).toContain(message);
  });
});
