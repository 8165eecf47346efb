import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadConfig } from '../../config/config.js';
import {
  createPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadCodecError,
  payloadKeyId,
} from '../../security/payload-codec.js';
import { generateEncryptionKeySpec, parseEncryptionKeys } from '../../security/secret-box.js';

const keys = (...ids: string[]) => ids.flatMap((id) => parseEncryptionKeys(generateEncryptionKeySpec(id)));
const meta = (p: Payload, key: string) => Buffer.from(p.metadata![key]!).toString('utf8');
const plain = [
  { candidate: { firstName: 'Ada', email: 'ada@example.com' }, answer: 'a composite index' },
  'a plain string',
  null,
  undefined,
  new Uint8Array([0, 1, 2, 255]),
].map((v) => defaultPayloadConverter.toPayload(v));

describe('payload codec (AES-256-GCM, key ids)', () => {
  it('round-trips every kind of payload, metadata included', async () => {
    const codec = createPayloadCodec(keys('k1'));
    const encoded = await codec.encode(plain);
    expect(encoded).toHaveLength(plain.length);
    for (const p of encoded) {
      expect(meta(p, 'encoding')).toBe(ENCRYPTED_ENCODING);
      expect(meta(p, KEY_ID_METADATA)).toBe('k1');
      expect(Object.keys(p.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
      const bytes = Buffer.from(p.data!);
      expect(bytes.toString('utf8')).not.toContain('ada@example.com');
      expect(bytes.toString('utf8')).not.toContain('json/plain');
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { candidate: { firstName: 'Ada', email: 'ada@example.com' }, answer: 'a composite index' },
      'a plain string',
      null,
      undefined,
      new Uint8Array([0, 1, 2, 255]),
    ]);
    // Same plaintext, different ciphertext: a fresh IV every time.
    const again = await codec.encode([plain[0]!]);
    expect(Buffer.from(again[0]!.data!).equals(Buffer.from(encoded[0]!.data!))).toBe(false);
  });

  it('refuses payloads it did not encrypt, naming the switch that lets older histories through', async () => {
    const codec = createPayloadCodec(keys('k1'));
    for (const payload of plain) {
      await expect(codec.decode([payload])).rejects.toThrow(PayloadCodecError);
    }
    await expect(codec.decode(plain)).rejects.toThrow(
      /^refused an unencrypted payload \(encoding json\/plain\): payloads must be encrypted with PAYLOAD_ENCRYPTION_KEYS \(PAYLOAD_CODEC_ALLOW_PLAINTEXT=on lets older plain histories through\)$/,
    );
    // One plain payload among encrypted ones is enough to refuse the lot.
    const [sealed] = await codec.encode([plain[0]!]);
    await expect(codec.decode([sealed!, plain[1]!])).rejects.toThrow(/refused an unencrypted payload/);
    expect(await codec.decode([])).toEqual([]);
  });

  it('passes them through with allowPlaintext (histories written before encryption)', async () => {
    const codec = createPayloadCodec(keys('k1'), { allowPlaintext: true });
    expect(await codec.decode(plain)).toEqual(plain);
    const [sealed] = await codec.encode([plain[0]!]);
    const mixed = await codec.decode([sealed!, plain[1]!]);
    expect(mixed.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { candidate: { firstName: 'Ada', email: 'ada@example.com' }, answer: 'a composite index' },
      'a plain string',
    ]);
    // Encoding is the same either way: the switch never writes plain payloads.
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  });

  it('names an unknown key id, and refuses tampered or truncated payloads', async () => {
    const [encoded] = await createPayloadCodec(keys('old')).encode([plain[0]!]);
    const other = createPayloadCodec(keys('k1', 'k2'));
    await expect(other.decode([encoded!])).rejects.toThrow(PayloadCodecError);
    await expect(other.decode([encoded!])).rejects.toThrow(
      'a payload is encrypted with key old, which is not configured (PAYLOAD_ENCRYPTION_KEYS)',
    );

    // Same id, different key material: a wrong key, not a silent garbage decode.
    const sameId = createPayloadCodec(keys('old'));
    await expect(sameId.decode([encoded!])).rejects.toThrow(/key old could not be decrypted/);

    const codec = createPayloadCodec(keys('k1'));
    const [good] = await codec.encode([plain[0]!]);
    const flipped = new Uint8Array(good!.data!);
    flipped[20]! ^= 1;
    await expect(codec.decode([{ ...good!, data: flipped }])).rejects.toThrow(/tampered/);
    await expect(codec.decode([{ ...good!, data: flipped.subarray(0, 10) }])).rejects.toThrow(/too short/);
    const noKeyId = { metadata: { encoding: good!.metadata!.encoding! }, data: good!.data! };
    await expect(codec.decode([noKeyId])).rejects.toThrow(`an encrypted payload has no ${KEY_ID_METADATA}`);
  });

  it('rotates: old payloads stay readable, new ones use the new key', async () => {
    const [k1] = keys('k1');
    const [k2] = keys('k2');
    const before = createPayloadCodec([k1!]);
    const encodedUnderK1 = await before.encode(plain);

    const after = createPayloadCodec([k2!, k1!]);
    expect(after.currentKeyId).toBe('k2');
    expect(await after.decode(encodedUnderK1)).toEqual(await before.decode(encodedUnderK1));
    const encodedUnderK2 = await after.encode(plain);
    expect(encodedUnderK2.map(payloadKeyId)).toEqual(plain.map(() => 'k2'));
    expect(encodedUnderK1.map(payloadKeyId)).toEqual(plain.map(() => 'k1'));
    // A process still on [k1] cannot read k2's payloads — roll the new key list out before using it.
    await expect(before.decode(encodedUnderK2)).rejects.toThrow(/key k2, which is not configured/);
    expect(payloadKeyId(plain[0]!)).toBeUndefined();
  });

  it('reads PAYLOAD_ENCRYPTION_KEYS like SECRETS_ENCRYPTION_KEYS, without echoing it', () => {
    const spec = `${generateEncryptionKeySpec('p2')},${generateEncryptionKeySpec('p1')}`;
    expect(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: spec }).PAYLOAD_ENCRYPTION_KEYS?.map((k) => k.id)).toEqual([
      'p2',
      'p1',
    ]);
    expect(loadConfig({}).PAYLOAD_ENCRYPTION_KEYS).toBeUndefined();
    expect(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: 'p1:short' })).toThrow(
      /^Invalid configuration: PAYLOAD_ENCRYPTION_KEYS key p1 must be 32 bytes \(base64\), got 3$/,
    );
    expect(() => createPayloadCodec([])).toThrow(PayloadCodecError);
  });
});
