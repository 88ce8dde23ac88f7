import { xchacha20poly1305 } from "@noble/ciphers/chacha.js"
import { createDecipheriv } from "node:crypto"

export type EncryptionMode = "aead_aes256_gcm_rtpsize" | "aead_xchacha20_poly1305_rtpsize"

export const aesGcm: EncryptionMode = "aead_aes256_gcm_rtpsize"
export const xchacha: EncryptionMode = "aead_xchacha20_poly1305_rtpsize"

const tagLength = 16
const nonceCounterLength = 4

/**
 * The Opus payload of an `_rtpsize` RTP packet. The header, CSRCs and the 4-byte
 * extension header are the AAD; the extension body is encrypted with the payload and stripped here.
 * The nonce is the packet's trailing 32-bit counter, zero-padded to the cipher's nonce size.
 */
export const decryptRtpSize = (packet: Buffer, key: Uint8Array, mode: EncryptionMode): Buffer => {
  const first = packet[0] ?? 0
  const hasExtension = (first & 0x10) !== 0
  let headerLength = 12 + 4 * (first & 0x0f)
  const extensionWords = hasExtension ? packet.readUInt16BE(headerLength + 2) : 0
  if (hasExtension) headerLength += 4
  const aad = packet.subarray(0, headerLength)
  const tagEnd = packet.length - nonceCounterLength
  const counter = packet.subarray(tagEnd)
  if (mode === aesGcm) {
    const nonce = Buffer.alloc(12)
    counter.copy(nonce)
    const decipher = createDecipheriv("aes-256-gcm", key, nonce)
    decipher.setAAD(aad)
    decipher.setAuthTag(packet.subarray(tagEnd - tagLength, tagEnd))
    const plain = Buffer.concat([decipher.update(packet.subarray(headerLength, tagEnd - tagLength)), decipher.final()])
    return plain.subarray(extensionWords * 4)
  }
  const nonce = new Uint8Array(24)
  nonce.set(counter)
  const plain = xchacha20poly1305(key, nonce, aad).decrypt(packet.subarray(headerLength, tagEnd))
  return Buffer.from(plain).subarray(extensionWords * 4)
}

export interface RtpHeader {
  readonly payloadType: number
  readonly sequence: number
  readonly timestamp: number
  readonly ssrc: number
}

export const rtpHeader = (packet: Buffer): RtpHeader => ({
  payloadType: (packet[1] ?? 0) & 0x7f,
  sequence: packet.readUInt16BE(2),
  timestamp: packet.readUInt32BE(4),
  ssrc: packet.readUInt32BE(8)
})
