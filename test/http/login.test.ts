/** The login's building blocks without the bot: PKCE, the sealed attempt, secrets compared, endpoints and settings. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Option, Redacted, Result } from "effect"
import { endpointsOf, section } from "../../src/http/OAuth.ts"
import { challengeOf, newState, newVerifier, sameSecret, sealer } from "../../src/http/Pkce.ts"
import { csrfTokenOf } from "../../src/http/Sessions.ts"

const attempt = { state: "the-state", verifier: "the-verifier", expiresAt: 1_767_225_600_000 }

describe("PKCE and state", () => {
  it("computes the S256 challenge of RFC 7636's example", () => {
    // RFC 7636, Appendix B.
    assert.strictEqual(challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
  })

  it("makes verifiers and states of 43 unreserved characters, never the same twice", () => {
    const made = Array.from({ length: 50 }, () => [newVerifier(), newState()]).flat()
    for (const value of made) assert.match(value, /^[A-Za-z0-9_-]{43}$/)
    assert.strictEqual(new Set(made).size, made.length)
  })

  it("opens what it sealed, and nothing altered, forged or sealed under another secret", () => {
    const seal = sealer("client-secret")
    const sealed = seal.seal(attempt)
    assert.deepStrictEqual(seal.open(sealed), Option.some(attempt))
    assert.notInclude(Buffer.from(sealed, "base64url").toString("latin1"), "the-verifier", "the verifier is not readable")
    assert.notStrictEqual(seal.seal(attempt), sealed, "a fresh IV each time")
    const bytes = Buffer.from(sealed, "base64url")
    for (const at of [0, 12, 20, bytes.length - 1]) {
      const altered = Buffer.from(bytes)
      altered[at] = altered[at]! ^ 1
      assert.isTrue(Option.isNone(seal.open(altered.toString("base64url"))), `byte ${at} altered`)
    }
    assert.isTrue(Option.isNone(sealer("another-secret").open(sealed)))
    assert.isTrue(Option.isNone(seal.open(sealed.slice(0, 30))))
    assert.isTrue(Option.isNone(seal.open("")))
    assert.isTrue(Option.isNone(seal.open("not base64 at all!")))
  })

  it("compares secrets whatever their lengths", () => {
    assert.isTrue(sameSecret("abc", "abc"))
    assert.isFalse(sameSecret("abd", "abc"))
    assert.isFalse(sameSecret("ab", "abc"))
    assert.isFalse(sameSecret("", "abc"))
  })

  it("derives one CSRF token per session id, which does not give the id away", () => {
    const id = newState()
    assert.strictEqual(csrfTokenOf(id), csrfTokenOf(id))
    assert.notStrictEqual(csrfTokenOf(id), csrfTokenOf(newState()))
    assert.notInclude(csrfTokenOf(id), id)
  })
})

describe("where Discord is", () => {
  it("is discord.com by default, else DISCORD_API_BASE's origin for the page and its base for the calls", () => {
    assert.deepStrictEqual(endpointsOf(Option.none()), {
      authorize: "https://discord.com/oauth2/authorize",
      api: "https://discord.com/api/v10"
    })
    for (const base of ["http://127.0.0.1:4000/api", "http://127.0.0.1:4000/api/", "http://127.0.0.1:4000/api/v10"]) {
      assert.deepStrictEqual(endpointsOf(Option.some(base)), {
        authorize: "http://127.0.0.1:4000/oauth2/authorize",
        api: "http://127.0.0.1:4000/api/v10"
      }, base)
    }
  })
})

describe("the login settings", () => {
  const decode = (env: Record<string, string>) => section.decode(env, { interactive: false })

  it("leave login off on a fresh machine, naming what is missing", () => {
    const settings = Result.getOrThrow(decode({}))
    assert.isTrue(Option.isNone(settings.client))
    assert.deepStrictEqual(settings.missing, ["DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET"])
    assert.strictEqual(settings.redirectUri, "http://127.0.0.1:8080/auth/callback")
    assert.isFalse(settings.secureCookies)
    assert.strictEqual(Duration.toMillis(settings.sessionTtl), Duration.toMillis(Duration.days(7)))
    assert.deepStrictEqual(Result.getOrThrow(decode({ DISCORD_CLIENT_ID: "123456789012345678" })).missing, ["DISCORD_CLIENT_SECRET"])
  })

  it("turn login on with both halves of the client, Secure cookies behind https", () => {
    const settings = Result.getOrThrow(decode({
      DISCORD_CLIENT_ID: "123456789012345678",
      DISCORD_CLIENT_SECRET: "s3cret",
      PUBLIC_URL: "https://music.example.org/",
      SESSION_TTL: "12 hours"
    }))
    assert.deepStrictEqual(Option.map(settings.client, (c) => [c.id, Redacted.value(c.secret)]), Option.some(["123456789012345678", "s3cret"]))
    assert.strictEqual(settings.redirectUri, "https://music.example.org/auth/callback")
    assert.isTrue(settings.secureCookies)
    assert.strictEqual(Duration.toMillis(settings.sessionTtl), 12 * 3600_000)
  })

  it("refuse a bad value, naming the variable", () => {
    const failed = decode({ DISCORD_CLIENT_ID: "my-app", PUBLIC_URL: "music.example.org", SESSION_TTL: "0 seconds" })
    assert.isTrue(Result.isFailure(failed))
    const problems = Result.isFailure(failed) ? failed.failure.join("\n") : ""
    for (const key of ["DISCORD_CLIENT_ID", "PUBLIC_URL", "SESSION_TTL"]) assert.include(problems, key)
  })
})
