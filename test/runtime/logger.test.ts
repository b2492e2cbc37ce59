/**
 * The logger's folding of repeated lines ({@link RepeatFolder}): the first occurrence at once, then one summary line
 * per key and interval with the exact count, keys kept apart, a quiet interval forgetting the key, pending summaries
 * written on close, and redaction applied to summary lines too. Timers are vitest's fake timers (no waiting).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, RepeatFolder } from '../../runtime/logger.ts';
import { Redactor } from '../../runtime/redact.ts';

const SECRET = 'sup3r-secret-value-1234';

function capture() {
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger({ level: 'debug', redactor: new Redactor([SECRET]), write: (line) => lines.push(JSON.parse(line)) });
  return { lines, logger };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RepeatFolder', () => {
  it('1,000 fast failures of one key: the first line at once, one summary per interval, counts adding up to 1,000', () => {
    const { lines, logger } = capture();
    const folder = new RepeatFolder(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 1_000; i++) {
      folder.log('warn', 'acme/grafana/refused', 'gateway tool call', { call: i, reason: 'refused' }, { customer: 'acme', server: 'grafana', reason: 'refused' });
      if (i === 399) vi.advanceTimersByTime(10_000); // the outage spans two intervals
    }
    expect(lines).toHaveLength(2); // the first failure, and the summary of the first interval
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'gateway tool call', call: 0 });
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'gateway tool call: repeated 399 times in the last 10s', customer: 'acme', server: 'grafana', reason: 'refused', repeated: 399 });
    expect(lines[1]).not.toHaveProperty('call'); // per-call fields are not in the summary
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ msg: 'gateway tool call: repeated 600 times in the last 10s', repeated: 600 });
    expect(1 + lines[1]!.repeated + lines[2]!.repeated).toBe(1_000);
    // A quiet interval forgets the key: nothing more is written, and the next failure is logged in full again.
    vi.advanceTimersByTime(30_000);
    expect(lines).toHaveLength(3);
    expect(folder.size).toBe(0);
    folder.log('warn', 'acme/grafana/refused', 'gateway tool call', { call: 1_000 }, {});
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ msg: 'gateway tool call', call: 1_000 });
  });

  it('keeps keys apart (customer, server, reason), and close() writes the pending summaries', () => {
    const { lines, logger } = capture();
    const folder = new RepeatFolder(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 5; i++) {
      folder.log('warn', 'a/grafana/refused', 'fail', {}, { customer: 'a', reason: 'refused' });
      folder.log('warn', 'a/grafana/timeout', 'fail', {}, { customer: 'a', reason: 'timeout' });
      folder.log('warn', 'b/grafana/refused', 'fail', {}, { customer: 'b', reason: 'refused' });
    }
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(2_500);
    folder.close();
    expect(lines.slice(3).map((l) => [l.customer, l.reason, l.repeated, l.msg])).toEqual([
      ['a', 'refused', 4, 'fail: repeated 4 times in the last 2.5s'],
      ['a', 'timeout', 4, 'fail: repeated 4 times in the last 2.5s'],
      ['b', 'refused', 4, 'fail: repeated 4 times in the last 2.5s'],
    ]);
    // After close every line is written as it comes (nothing would summarize it any more).
    folder.log('warn', 'a/grafana/refused', 'fail', {}, {});
    expect(lines).toHaveLength(7);
  });

  it('interval 0 folds nothing; the number of keys is bounded; summary lines are redacted', () => {
    const { lines, logger } = capture();
    const plain = new RepeatFolder(logger, { intervalMs: 0 });
    for (let i = 0; i < 10; i++) plain.log('warn', 'k', 'each', {}, {});
    expect(lines).toHaveLength(10);

    lines.length = 0;
    const bounded = new RepeatFolder(logger, { intervalMs: 1_000, maxKeys: 3 });
    for (let i = 0; i < 100; i++) bounded.log('warn', `key-${i}`, 'many kinds', { error: `token ${SECRET}` }, { error: SECRET });
    expect(bounded.size).toBe(3); // 2 own keys + the shared overflow key
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ msg: 'many kinds: repeated 97 times in the last 1s', repeated: 97 });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    bounded.close();
  });
});
