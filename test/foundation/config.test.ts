import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { inspect } from "node:util"
import { configKeys, decodeConfig } from "../../src/AppConfig.ts"

const token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-value"

describe("configuration", () => {
  it.effect("applies the documented defaults", () =>
    Effect.gen(function*() {
      const config = yield* decodeConfig({ DISCORD_TOKEN: token }, false)
      assert.strictEqual(config.http.host, "127.0.0.1")
      assert.strictEqual(config.http.port, 8080)
      assert.strictEqual(config.database.dataDir, "./data")
      assert.isTrue(config.database.url._tag === "None")
      assert.strictEqual(config.log.format, "json")
      assert.strictEqual(config.log.level, "info")
      assert.isTrue(config.otel.endpoint._tag === "None")
      assert.strictEqual(Redacted.value(config.discord.token), token)
      assert.strictEqual(config.audio.referenceGain, 0.25)
    }))

  it.effect("derives the track resolution settings", () =>
    Effect.gen(function*() {
      const config = yield* decodeConfig({
        DISCORD_TOKEN: token,
        YTDLP_CONCURRENCY: "5",
        SOURCES_ALLOW_PRIVATE_NETWORK: "true",
        YTDLP_JS_RUNTIME: "none",
        SPOTIFY_CLIENT_SECRET: "spotify-secret-value"
      }, false)
      assert.strictEqual(config.sources.ytdlp.concurrency, 5)
      assert.isTrue(config.sources.allowPrivateNetwork)
      assert.strictEqual(config.sources.ytdlp.jsRuntime, "")
      assert.strictEqual(config.sources.maxPlaylistSize, 1000)
      assert.notInclude(inspect(config, { depth: 10 }), "spotify-secret-value")
    }))

  it.effect("falls back to a SoundCloud search unless FALLBACK_SEARCH_PREFIX is none", () =>
    Effect.gen(function*() {
      const defaults = yield* decodeConfig({ DISCORD_TOKEN: token }, false)
      assert.strictEqual(defaults.sources.fallback.searchPrefix, "scsearch")
      assert.strictEqual(Duration.toMillis(defaults.sources.fallback.tolerance), 5000)
      const off = yield* decodeConfig({ DISCORD_TOKEN: token, FALLBACK_SEARCH_PREFIX: "none" }, false)
      assert.isNull(off.sources.fallback.searchPrefix)
    }))

  it.effect("picks pretty logs on a terminal unless LOG_FORMAT says otherwise", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* decodeConfig({ DISCORD_TOKEN: token }, true)).log.format, "pretty")
      assert.strictEqual((yield* decodeConfig({ DISCORD_TOKEN: token, LOG_FORMAT: "json" }, true)).log.format, "json")
    }))

  it.effect("treats empty values as unset", () =>
    Effect.gen(function*() {
      const config = yield* decodeConfig({ DISCORD_TOKEN: token, DATABASE_URL: "", HTTP_PORT: "" }, false)
      assert.isTrue(config.database.url._tag === "None")
      assert.strictEqual(config.http.port, 8080)
    }))

  it.effect("explains how to set a missing DISCORD_TOKEN", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decodeConfig({ HTTP_PORT: "9000" }, false))
      assert.strictEqual(error.problems.length, 1)
      assert.match(error.problems[0]!, /^DISCORD_TOKEN is not set: .*\.env/)
    }))

  it.effect("reports every bad value on its own line, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decodeConfig({
        DISCORD_TOKEN: token,
        HTTP_PORT: "99999",
        LOG_LEVEL: "loud",
        LOG_FORMAT: "xml",
        DATABASE_URL: "mysql://user:hunter2@db/app",
        OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector",
        PLAYER_IDLE_TIMEOUT: "soon",
        DISCORD_API_BASE: "not a url",
        YTDLP_CONCURRENCY: "0",
        VOLUME_REFERENCE_GAIN: "2",
        SOURCES_ALLOW_PRIVATE_NETWORK: "yes"
      }, false))
      const byKey = new Map(error.problems.map((line) => [line.split(" ")[0]!, line]))
      assert.deepStrictEqual(
        [...byKey.keys()].sort(),
        [
          "DATABASE_URL",
          "DISCORD_API_BASE",
          "HTTP_PORT",
          "LOG_FORMAT",
          "LOG_LEVEL",
          "OTEL_EXPORTER_OTLP_ENDPOINT",
          "PLAYER_IDLE_TIMEOUT",
          "SOURCES_ALLOW_PRIVATE_NETWORK",
          "VOLUME_REFERENCE_GAIN",
          "YTDLP_CONCURRENCY"
        ]
      )
      assert.strictEqual(byKey.get("YTDLP_CONCURRENCY"), "YTDLP_CONCURRENCY must be an integer from 1 to 64, got 0")
      assert.strictEqual(byKey.get("VOLUME_REFERENCE_GAIN"), "VOLUME_REFERENCE_GAIN must be a number from 0.05 to 1, got 2")
      assert.strictEqual(byKey.get("HTTP_PORT"), "HTTP_PORT must be an integer from 0 to 65535, got 99999")
      assert.strictEqual(byKey.get("DATABASE_URL"), "DATABASE_URL must be a postgres:// or postgresql:// URL")
      assert.match(byKey.get("LOG_LEVEL")!, /"trace" \| "debug" \| "info"/)
      assert.notInclude(error.message, "hunter2", "a secret's value is never echoed back")
    }))

  it.effect("reads numbers only as decimal digits, within a range the error names", () =>
    Effect.gen(function*() {
      const refused = (env: Record<string, string>) =>
        Effect.map(Effect.flip(decodeConfig({ DISCORD_TOKEN: token, ...env }, false)), (error) => error.problems)
      // Each was once read as some other number: 0x1F90 as 8080, 8e3 as 8000, 1e9 processes.
      for (const value of ["0x1F90", "8e3", "-1", "1.5", "+80", " 80", "Infinity", "9".repeat(400)]) {
        assert.deepStrictEqual(
          yield* refused({ HTTP_PORT: value }),
          [`HTTP_PORT must be an integer from 0 to 65535, got ${value.length > 40 ? `${value.slice(0, 40)}…` : value}`]
        )
      }
      assert.deepStrictEqual(yield* refused({ YTDLP_CONCURRENCY: "1e9" }), [
        "YTDLP_CONCURRENCY must be an integer from 1 to 64, got 1e9"
      ])
      assert.deepStrictEqual(yield* refused({ YTDLP_CONCURRENCY: "65", RESOLVE_RETRIES: "1000000" }), [
        "YTDLP_CONCURRENCY must be an integer from 1 to 64, got 65",
        "RESOLVE_RETRIES must be an integer from 0 to 10, got 1000000"
      ])
      assert.deepStrictEqual(yield* refused({ MAX_QUEUE_LENGTH: "10001", AUDIO_CACHE_MAX_BYTES: "1e12" }), [
        "MAX_QUEUE_LENGTH must be an integer from 1 to 10000, got 10001",
        "AUDIO_CACHE_MAX_BYTES must be an integer from 0 to 1099511627776, got 1e12"
      ])
      assert.deepStrictEqual(yield* refused({ VOLUME_REFERENCE_GAIN: "5e-1" }), [
        "VOLUME_REFERENCE_GAIN must be a number from 0.05 to 1, got 5e-1"
      ])
      // The bounds themselves are accepted, written plainly.
      const edges = yield* decodeConfig({ DISCORD_TOKEN: token, HTTP_PORT: "65535", YTDLP_CONCURRENCY: "64", RESOLVE_RETRIES: "0" }, false)
      assert.strictEqual(edges.http.port, 65535)
      assert.strictEqual(edges.sources.ytdlp.concurrency, 64)
      assert.strictEqual(edges.sources.retry.times, 0)
    }))

  it.effect("bounds every duration, naming the longest it takes", () =>
    Effect.gen(function*() {
      for (const value of ["Infinity", "99999999999999999999 hours", "0 seconds", "-5 seconds", "soon"]) {
        const error = yield* Effect.flip(decodeConfig({ DISCORD_TOKEN: token, YTDLP_TIMEOUT: value }, false))
        assert.deepStrictEqual(error.problems, [
          `YTDLP_TIMEOUT must be a duration from 1 millisecond to 10 minutes such as "30 seconds" or "5 minutes", got ${value}`
        ])
      }
      const error = yield* Effect.flip(decodeConfig({ DISCORD_TOKEN: token, RATE_LIMIT_COMMANDS: "1000000000 per second" }, false))
      assert.match(error.problems[0]!, /^RATE_LIMIT_COMMANDS must be a budget .*a count from 1 to 1000000/)
      const config = yield* decodeConfig({ DISCORD_TOKEN: token, YTDLP_TIMEOUT: "10 minutes" }, false)
      assert.strictEqual(Duration.toMillis(config.sources.ytdlp.timeout), 600_000)
    }))

  it.effect("never shows the token when the configuration is printed, logged or serialised", () =>
    Effect.gen(function*() {
      const config = yield* decodeConfig({ DISCORD_TOKEN: token }, false)
      for (const rendering of [inspect(config, { depth: 10 }), JSON.stringify(config), String(config.discord.token)]) {
        assert.notInclude(rendering, token)
        assert.notInclude(rendering, "secret-token-value")
      }
    }))

  it("documents every variable in .env.example", () => {
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8")
    const documented = new Set(Array.from(example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm), (m) => m[1]))
    for (const key of configKeys) assert.isTrue(documented.has(key), `${key} is missing from .env.example`)
  })
})
