import { describe, expect, it } from 'vitest';
import { MAX_PARTNER_KEY_LENGTH, parsePartnerBasicAuth } from '../../greenhouse/partner/index.js';
import { basic } from './helpers.js';

const reason = (h: string | undefined, opts?: { acceptNonEmptyPassword?: boolean }) => {
  const r = parsePartnerBasicAuth(h, opts);
  return r.ok ? 'ok' : r.reason;
};

describe('partner API Basic auth (key as username, empty password)', () => {
  it('accepts the key with an empty password, as Greenhouse sends it', () => {
    expect(parsePartnerBasicAuth(basic('partner-key-123'))).toEqual({
      ok: true,
      apiKey: 'partner-key-123',
      passwordIgnored: false,
    });
  });

  it('is lenient on the scheme case and surrounding spaces', () => {
    const token = Buffer.from('k:').toString('base64');
    expect(parsePartnerBasicAuth(`basic ${token}`)).toMatchObject({ ok: true, apiKey: 'k' });
    expect(parsePartnerBasicAuth(`  BASIC   ${token}  `)).toMatchObject({ ok: true, apiKey: 'k' });
    // unpadded base64 (some clients drop the padding)
    expect(parsePartnerBasicAuth(`Basic ${token.replace(/=+$/, '')}`)).toMatchObject({ ok: true });
  });

  it('splits at the first colon and keeps UTF-8 keys', () => {
    expect(parsePartnerBasicAuth(basic('clé-ünï'))).toMatchObject({ ok: true, apiKey: 'clé-ünï' });
    expect(parsePartnerBasicAuth(basic('key', 'a:b'))).toMatchObject({
      apiKey: 'key',
      passwordIgnored: true,
    });
  });

  it('accepts a key of 170 characters and refuses 171 ("shorter than 171")', () => {
    expect(MAX_PARTNER_KEY_LENGTH).toBe(170);
    expect(parsePartnerBasicAuth(basic('k'.repeat(170)))).toMatchObject({ ok: true });
    expect(reason(basic('k'.repeat(171)))).toBe('key_too_long');
  });

  it('accepts and flags a non-empty password by default; refuses it when asked to', () => {
    expect(parsePartnerBasicAuth(basic('key', 'pw'))).toEqual({
      ok: true,
      apiKey: 'key',
      passwordIgnored: true,
    });
    expect(reason(basic('key', 'pw'), { acceptNonEmptyPassword: false })).toBe('password_not_empty');
    expect(reason(basic('key'), { acceptNonEmptyPassword: false })).toBe('ok');
  });

  it.each<[string, string | undefined, string]>([
    ['no header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['a blank header', '   ', 'missing'],
    ['Bearer', 'Bearer abc.def', 'not_basic'],
    ['Basic without credentials', 'Basic', 'malformed_base64'],
    ['Basic with two tokens', 'Basic a b', 'malformed_base64'],
    ['Digest', 'Digest username="x"', 'not_basic'],
    ['non-base64 characters', 'Basic a$b!', 'malformed_base64'],
    ['base64url alphabet', `Basic ${Buffer.from('ÿÿÿ:').toString('base64url')}`, 'malformed_base64'],
    ['an impossible length', 'Basic abcde', 'malformed_base64'],
    ['padding in the middle', 'Basic ab=cd', 'malformed_base64'],
    ['non-canonical trailing bits', 'Basic ax==', 'malformed_base64'],
    ['invalid UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a]).toString('base64')}`, 'malformed_base64'],
    ['no colon', `Basic ${Buffer.from('just-a-key').toString('base64')}`, 'no_colon'],
    ['an empty key', basic(''), 'key_empty'],
    ['an empty key with a password', basic('', 'pw'), 'key_empty'],
  ])('refuses %s', (_name, header, expected) => {
    expect(reason(header)).toBe(expected);
  });

  it('never echoes the key or the header in its messages', () => {
    for (const h of [basic('s3cr3t'.repeat(40)), 'Bearer s3cr3t', 'Basic s3cr3t!']) {
      const r = parsePartnerBasicAuth(h);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).not.toContain('s3cr3t');
    }
  });
});
