import { xchacha20poly1305 } from "@noble/ciphers/chacha.js"
import { createCipheriv, randomBytes } from "node:crypto"
import { assert, describe, it } from "vitest"
import { aesGcm, decryptRtpSize, rtpHeader, xchacha, type EncryptionMode } from "./Crypto.ts"

/**
 * Builds a packet the way Discord's `_rtpsize` modes do, independently of the fake: the header (and the
 * extension header, if any) is the AAD, the extension body is encrypted with the payload, and the nonce
 * is a 32-bit counter appended to the packet.
 */
const encrypt = (mode: EncryptionMode, key: Buffer, payload: Buffer, extension: Buffer | null, counter: number) => {
  const header = Buffer.alloc(12)
  header[0] = extension === null ? 0x80 : 0x90
  header[1] = 120
  header.writeUInt16BE(65_535, 2)
  header.writeUInt32BE(4_000_000_000, 4)
  header.writeUInt32BE(1000, 8)
  const extensionHeader = extension === null ? Buffer.alloc(0) : Buffer.from([0xbe, 0xde, 0, extension.length / 4])
  const aad = Buffer.concat([header, extensionHeader])
  const plain = Buffer.concat([extension ?? Buffer.alloc(0), payload])
  const counterBytes = Buffer.alloc(4)
  counterBytes.writeUInt32BE(counter)
  if (mode === aesGcm) {
    const cipher = createCipheriv("aes-256-gcm", key, Buffer.concat([counterBytes, Buffer.alloc(8)]))
    cipher.setAAD(aad)
    return Buffer.concat([aad, cipher.update(plain), cipher.final(), cipher.getAuthTag(), counterBytes])
  }
  const sealed = xchacha20poly1305(key, Buffer.concat([counterBytes, Buffer.alloc(20)]), aad).encrypt(plain)
  return Buffer.concat([aad, sealed, counterBytes])
}

describe("decryptRtpSize", () => {
  const key = randomBytes(32)
  const opus = randomBytes(120)

  for (const mode of [aesGcm, xchacha]) {
    it(`recovers the Opus payload in ${mode}`, () => {
      assert.deepStrictEqual(decryptRtpSize(encrypt(mode, key, opus, null, 1), key, mode), opus)
    })

    it(`strips an encrypted header extension in ${mode}`, () => {
      const packet = encrypt(mode, key, opus, randomBytes(8), 0xffff_ffff)
      assert.deepStrictEqual(decryptRtpSize(packet, key, mode), opus)
      const header = { payloadType: 120, sequence: 65_535, timestamp: 4_000_000_000, ssrc: 1000 }
      assert.deepStrictEqual(rtpHeader(packet), header)
    })

    it(`rejects a tampered packet in ${mode}`, () => {
      const packet = encrypt(mode, key, opus, null, 7)
      packet[20] = (packet[20] ?? 0) ^ 1
      assert.throws(() => decryptRtpSize(packet, key, mode))
    })
  }
})
