/**
 * The secrets of one login attempt: the OAuth2 `state` and the PKCE code verifier (RFC 7636, S256),
 * and the short-lived cookie that carries them from `/auth/login` to `/auth/callback`.
 *
 * The cookie is sealed with AES-256-GCM under a key derived from the client secret: the browser can
 * neither read the verifier nor forge or alter an attempt, and any process of a deployment that has
 * the secret can open it, so nothing has to be kept on the server between the two requests.
 */
import { Option, Schema } from "effect"
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto"

/** 32 random bytes as base64url: 43 characters, the shortest verifier RFC 7636 allows. */
const random32 = () => randomBytes(32).toString("base64url")

/** From the operating system's generator: Effect's `Random` is seedable, which a secret must not be. */
export const newVerifier = (): string => random32()
export const newState = (): string => random32()

/** `code_challenge` for `code_challenge_method=S256`: BASE64URL(SHA256(ASCII(verifier))). */
export const challengeOf = (verifier: string): string => createHash("sha256").update(verifier, "ascii").digest("base64url")

/**
 * Whether two secrets are equal, in time that does not depend on where they differ. Hashing first
 * gives `timingSafeEqual` inputs of one length, so the length of the expected value leaks neither.
 */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest())

/** What a login attempt must remember until Discord sends the user back. */
export const LoginAttempt = Schema.Struct({
  state: Schema.String,
  verifier: Schema.String,
  /** Epoch milliseconds after which the attempt is refused. */
  expiresAt: Schema.Number
})
export type LoginAttempt = typeof LoginAttempt.Type

const decodeAttempt = Schema.decodeUnknownOption(Schema.fromJsonString(LoginAttempt))
const ivBytes = 12
const tagBytes = 16

export interface Sealer {
  readonly seal: (attempt: LoginAttempt) => string
  /** The attempt, or none for a value this key did not seal (altered, forged, or sealed under another secret). */
  readonly open: (sealed: string) => Option.Option<LoginAttempt>
}

export const sealer = (secret: string): Sealer => {
  const key = Buffer.from(hkdfSync("sha256", secret, "reprise", "reprise login attempt cookie", 32))
  return {
    seal: (attempt) => {
      const iv = randomBytes(ivBytes)
      const cipher = createCipheriv("aes-256-gcm", key, iv)
      const body = Buffer.concat([cipher.update(JSON.stringify(attempt), "utf8"), cipher.final()])
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")
    },
    open: (sealed) => {
      const bytes = Buffer.from(sealed, "base64url")
      if (bytes.length <= ivBytes + tagBytes) return Option.none()
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, ivBytes))
        decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes))
        const body = Buffer.concat([decipher.update(bytes.subarray(ivBytes, bytes.length - tagBytes)), decipher.final()])
        return decodeAttempt(body.toString("utf8"))
      } catch {
        // The tag did not verify: not sealed with this key, or changed since.
        return Option.none()
      }
    }
  }
}
