import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, trustProxy } from '../../server/config';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Finding 3 of the security review: TRUST_PROXY=1 reached Express as the string "1", an
 * address (0.0.0.1), so behind a proxy every client shared one rate-limit bucket.
 */
describe('TRUST_PROXY', () => {
  it('is read as Express documents it; anything else stops the start-up', () => {
    expect(trustProxy(undefined)).toBe(false);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('true')).toBe(true);
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('loopback, 10.0.0.0/8,fd00::/8, 192.168.1.1, 172.16.0.0/255.240.0.0')).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.1', '172.16.0.0/255.240.0.0']);
    for (const bad of ['yes', '-1', '1.5', '10.0.0.0/33', 'fd00::/129', 'proxy.example.org', '10.0.0.1,', '10.0.0.0/8/8']) {
      expect(() => trustProxy(bad), bad).toThrow(ConfigError);
    }
    expect(() => loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp', TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });

  describe('behind one proxy (TRUST_PROXY=1)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ env: { TRUST_PROXY: '1' }, rateLimits: { voucherMissesPer10Min: 2 } });
    });
    afterAll(() => app.close());

    const miss = (client: string) => fetch(`${app.url}/v/AAAABBBBCCCCDDDDEEEE`, { headers: { 'x-forwarded-for': client } });

    it('gives each client its own rate-limit bucket (req.ip is the client, not the proxy)', async () => {
      expect((await miss('203.0.113.10')).status).toBe(404);
      expect((await miss('203.0.113.10')).status).toBe(404);
      expect((await miss('203.0.113.10')).status).toBe(429);
      // Another client behind the same proxy is not limited by the first one's misses.
      expect((await miss('198.51.100.20')).status).toBe(404);
      // Only the last hop is believed: a client cannot pick a fresh address by prepending one.
      expect((await miss('192.0.2.99, 203.0.113.10')).status).toBe(429);
    });
  });
});
