import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../runtime/redact.ts';

describe('Redactor', () => {
  const secret = 'glsa_Zx81kQ0pLmN2vB7cR4tY9wE3';
  const redactor = Redactor.fromEnv({ GRAFANA_TOKEN_ACME: secret, PATH: '/usr/bin', CUSTOM_VAR: 'custom-credential-1234', SHORT_TOKEN: 'abc' }, ['CUSTOM_VAR']);

  it('replaces known values, including JSON-escaped forms', () => {
    expect(redactor.redact(`x ${secret} y`)).toBe(`x ${REDACTED} y`);
    expect(redactor.redact('value custom-credential-1234')).toBe(`value ${REDACTED}`);
    expect(redactor.redact('/usr/bin')).toBe('/usr/bin');
    expect(redactor.redact('abc')).toBe('abc');
    const quoted = new Redactor(['pa"ss\\word-123']);
    expect(quoted.redact(JSON.stringify({ v: 'pa"ss\\word-123' }))).toBe(`{"v":"${REDACTED}"}`);
  });

  it('scrubs credential-looking patterns from upstream text', () => {
    const r = new Redactor();
    expect(r.scrub('Authorization: Bearer abc.def-ghi')).not.toContain('abc.def-ghi');
    expect(r.scrub('login failed password=hunter22 user=bob')).toBe(`login failed password=${REDACTED} user=bob`);
    expect(r.scrub('{"api_key": "k-123456"}')).not.toContain('k-123456');
    expect(r.scrub('https://admin:s3cret@grafana.example/api')).toBe(`https://${REDACTED}@grafana.example/api`);
    expect(r.scrub('token 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffee1234 rejected')).toBe(`token ${REDACTED} rejected`);
    expect(r.scrub('maas-1288.mon.sabio.cloud returned 503')).toBe('maas-1288.mon.sabio.cloud returned 503');
  });

  it('bounds and flattens reasons', () => {
    const r = new Redactor();
    const reason = r.reason(`line1\nline2\t${'x'.repeat(500)}`);
    expect(reason.length).toBeLessThanOrEqual(200);
    expect(reason).not.toMatch(/[\n\t]/);
  });
});
