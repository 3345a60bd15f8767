import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { base32Decode, base32Encode, matchTotp, otpauthUri, stepAt, totpCode } from '../../server/domain/operators/totp';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1 key "12345678901234567890", 8 digits.
  const key = base32Encode(Buffer.from('12345678901234567890'));
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('at %i s gives %s', (seconds, code) => {
    expect(totpCode(key, Math.floor(seconds / 30), 8)).toBe(code);
  });

  it('encodes base32 both ways and refuses non-base32', () => {
    expect(key).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')!.toString()).toBe('12345678901234567890');
    expect(base32Decode('GEZ1')).toBeNull();
  });

  it('accepts one step of drift either side, no more', () => {
    const now = new Date('2026-11-23T10:00:10Z');
    const s = stepAt(now);
    expect(matchTotp(key, totpCode(key, s), now)).toBe(s);
    expect(matchTotp(key, totpCode(key, s - 1), now)).toBe(s - 1);
    expect(matchTotp(key, totpCode(key, s + 1), now)).toBe(s + 1);
    expect(matchTotp(key, totpCode(key, s - 2), now)).toBeNull();
    expect(matchTotp(key, 'abcdef', now)).toBeNull();
    expect(otpauthUri(key, 'a@b.fr', 'CCI')).toBe(`otpauth://totp/CCI%3Aa%40b.fr?secret=${key}&issuer=CCI&algorithm=SHA1&digits=6&period=30`);
  });
});

describe('second factor for operator staff', () => {
  let app: TestApp;
  const clock = fixedClock('2026-11-23T10:00:00Z');
  const user = { email: 'securite@cci.example', password: 'security-password-1' };
  beforeAll(async () => {
    app = await startTestApp({ clock });
    await createOperatorUser(app, { ...user, role: 'viewer' });
  });
  afterAll(() => app.close());

  async function signIn(code?: string) {
    const c = new FormClient(app.url);
    const page = await c.get('/operateur/connexion');
    const res = await c.post('/operateur/connexion', { ...user, ...(code !== undefined ? { code } : {}) }, page.html);
    return { c, res };
  }
  const now = () => clock.now();
  /** A 6-digit code that is none of the three the server accepts now. */
  const wrongCode = (secret: string) => {
    const valid = [-1, 0, 1].map((d) => totpCode(secret, stepAt(now()) + d));
    return ['000000', '111111', '222222', '333333'].find((c) => !valid.includes(c))!;
  };

  it('is turned on with a code from the app, then asked at every sign-in, and turned off with a code', async () => {
    const { c, res } = await signIn();
    expect(res.res.status).toBe(303);
    const page = await c.get('/operateur/securite');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('<svg');
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(page.html)![1]!;

    const wrong = await c.post('/operateur/securite/totp', { secret, code: wrongCode(secret) }, page.html);
    expect(wrong.res.status).toBe(422);
    expect(wrong.html).toContain('Code de vérification incorrect ou expiré.');
    const ok = await c.post('/operateur/securite/totp', { secret, code: totpCode(secret, stepAt(now())) }, page.html);
    expect(ok.res.status).toBe(303);
    expect((await c.get('/operateur/securite?done=enabled')).html).toContain('La validation en deux étapes est activée');

    clock.advance(30_000);
    const noCode = await signIn();
    expect(noCode.res.res.status).toBe(401);
    expect(noCode.res.html).toContain('Saisissez le code de vérification');
    expect(noCode.res.res.headers.getSetCookie().some((s) => s.startsWith('osid='))).toBe(false);
    const wrong2 = await signIn(wrongCode(secret));
    expect(wrong2.res.res.status).toBe(401);
    expect(wrong2.res.html).toContain('Code de vérification incorrect ou expiré.');
    // A right code never makes up for a wrong password.
    const other = new FormClient(app.url);
    const page2 = await other.get('/operateur/connexion');
    const badPassword = await other.post('/operateur/connexion', { email: user.email, password: 'not-the-password', code: totpCode(secret, stepAt(now())) }, page2.html);
    expect(badPassword.res.status).toBe(401);
    expect(badPassword.html).toContain('E-mail ou mot de passe incorrect.');

    const code = totpCode(secret, stepAt(now()));
    const good = await signIn(code);
    expect(good.res.res.status).toBe(303);
    // The same code cannot be used twice.
    expect((await signIn(code)).res.res.status).toBe(401);

    clock.advance(30_000);
    const security = await good.c.get('/operateur/securite');
    const badOff = await good.c.post('/operateur/securite/totp/desactiver', { code: '' }, security.html);
    expect(badOff.res.status).toBe(422);
    const off = await good.c.post('/operateur/securite/totp/desactiver', { code: totpCode(secret, stepAt(now())) }, security.html);
    expect(off.res.status).toBe(303);
    clock.advance(30_000);
    expect((await signIn()).res.res.status).toBe(303);
  });

  it('is a page for every signed-in role and nobody else', async () => {
    expect((await new FormClient(app.url).request('/operateur/securite')).status).toBe(303);
    const { c } = await signIn();
    const page = await c.get('/operateur/securite');
    // A secret that is not base32 is refused without a 5xx.
    expect((await c.post('/operateur/securite/totp', { secret: 'not base32!', code: '123456' }, page.html)).res.status).toBe(422);
  });
});
