import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Logger, PubSub } from "effect"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import * as AppConfig from "../../src/AppConfig.ts"
import { ApiKeys } from "../../src/control/ApiKeys.ts"
import { AuditTrail } from "../../src/control/AuditTrail.ts"
import { Control } from "../../src/control/Control.ts"
import { PlayHistory } from "../../src/control/PlayHistory.ts"
import { Playlists } from "../../src/control/Playlists.ts"
import { Ratings } from "../../src/control/Ratings.ts"
import { GuildDirectory } from "../../src/gateway/GuildDirectory.ts"
import { Lyrics } from "../../src/lyrics/Lyrics.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { EgressProxy } from "../../src/resilience/EgressProxy.ts"
import { RateLimits } from "../../src/resilience/RateLimits.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import * as HttpServer from "../../src/http/HttpServer.ts"
import { Sessions } from "../../src/http/Sessions.ts"
import { Readiness } from "../../src/observability/Readiness.ts"
import * as Database from "../../src/persistence/Database.ts"
import { tempDir } from "../support/database.ts"
import { freePort } from "../support/program.ts"

/**
 * What the `/api/v1` routes act through, which these tests never call: they are exercised against
 * the whole bot in test/discord/api.e2e.test.ts. Building the event log takes a subscription.
 */
const unusedCore = Layer.mergeAll(
  Layer.mock(Control, {}),
  Layer.mock(GuildDirectory, {}),
  Layer.mock(ApiKeys, {}),
  Layer.mock(PlayHistory, {}),
  Layer.mock(Playlists, {}),
  Layer.mock(Ratings, {}),
  Layer.mock(Lyrics, {}),
  Layer.mock(AuditTrail, {}),
  Layer.mock(RateLimits, {}),
  Layer.mock(Sessions, {}),
  Layer.mock(PlayerRegistry, { subscribe: Effect.flatMap(PubSub.unbounded<PlayerEvent>(), PubSub.subscribe) })
)

/** The HTTP server as the program runs it, on a free port, with the database and ffmpeg probes. */
const serve = (env: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const port = yield* Effect.promise(freePort)
    const config = yield* AppConfig.decodeConfig(
      { DISCORD_TOKEN: "t", HTTP_PORT: String(port), DATA_DIR: tempDir("http"), ...env },
      false
    )
    const services = yield* Layer.build(
      Layer.mergeAll(
        HttpServer.layerConfig.pipe(Layer.provide(unusedCore)),
        FfmpegPipeline.layerConfig.pipe(Layer.provide(EgressProxy.layer({ allowPrivateNetwork: false }))),
        Database.layerConfig
      ).pipe(
        Layer.provideMerge(Readiness.layer),
        Layer.provideMerge(AppConfig.layer(config)),
        Layer.provide(Logger.layer([]))
      )
    )
    // The database is migrated in the background: the tests start once it is.
    yield* Context.get(services, Database.DatabaseStatus).ready
    return { base: `http://127.0.0.1:${port}`, readiness: Context.get(services, Readiness) }
  })

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() }
  })

describe("HTTP API", () => {
  it.live("answers health, readiness, metrics, the OpenAPI document and the docs page", () =>
    Effect.gen(function*() {
      const { base } = yield* serve({})
      const health = yield* get(`${base}/api/health`)
      assert.strictEqual(health.status, 200)
      assert.strictEqual(JSON.parse(health.body).status, "ok")

      const ready = yield* get(`${base}/api/ready`)
      assert.strictEqual(ready.status, 200, ready.body)
      assert.deepStrictEqual(
        JSON.parse(ready.body).checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok]),
        [["ffmpeg", true], ["database", true]]
      )

      const openapi = yield* get(`${base}/api/openapi.json`)
      assert.strictEqual(openapi.status, 200)
      assert.includeMembers(Object.keys(JSON.parse(openapi.body).paths), ["/api/health", "/api/ready"])

      const docs = yield* get(`${base}/api/docs`)
      assert.strictEqual(docs.status, 200)
      assert.include(docs.type, "text/html")
      assert.notMatch(docs.body, /<script[^>]+src="https?:\/\//, "the docs page loads nothing from the internet")

      const metrics = yield* get(`${base}/metrics`)
      assert.strictEqual(metrics.status, 200)
      assert.include(metrics.type, "text/plain")
      assert.match(metrics.body, /^http_requests_total\{method="GET",route="\/api\/health",status="200"\} 1$/m)
      assert.match(metrics.body, /^http_requests_total\{method="GET",route="\/api\/ready",status="200"\} 1$/m)
      assert.match(metrics.body, /^http_request_duration_seconds_count\{method="GET",route="\/api\/health"\} 1$/m)
      assert.match(metrics.body, /^process_resident_memory_bytes \d+/m)
      assert.match(metrics.body, /^process_cpu_seconds_total [\d.e+-]+$/m)
    }).pipe(Effect.scoped), 60_000)

  it.live("answers the login routes with a problem while login is not configured", () =>
    Effect.gen(function*() {
      const { base } = yield* serve({})
      for (const path of ["/auth/login", "/auth/callback?code=c&state=s"]) {
        const answer = yield* get(`${base}${path}`)
        assert.strictEqual(answer.status, 404, answer.body)
        assert.include(answer.type, "application/problem+json")
        assert.include(JSON.parse(answer.body).detail, "DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET")
      }
      const logout = yield* Effect.promise(() => fetch(`${base}/auth/logout`, { method: "POST" }))
      assert.strictEqual(logout.status, 401)
      // Without a login the pages send the browser to log in (which, unconfigured, says why it cannot).
      for (const path of ["/dashboard", "/dashboard/123456789012345678"]) {
        const page = yield* Effect.promise(() => fetch(`${base}${path}`, { redirect: "manual" }))
        assert.strictEqual(page.status, 302, path)
        assert.strictEqual(page.headers.get("location"), "/auth/login", path)
      }
      const script = yield* get(`${base}/dashboard/assets/app.js`)
      assert.strictEqual(script.status, 200)
      assert.include(script.type, "text/javascript")
      assert.include((yield* get(`${base}/dashboard/assets/app.css`)).type, "text/css")
      const me = yield* get(`${base}/api/v1/me`)
      assert.strictEqual(me.status, 401)
      assert.match(JSON.parse(me.body).detail, /Bearer.*log in/)
    }).pipe(Effect.scoped), 60_000)

  it.live("reports 503 naming each failing check", () =>
    Effect.gen(function*() {
      const { base, readiness } = yield* serve({ FFMPEG_PATH: "/nonexistent/ffmpeg" })
      yield* readiness.register("discord", Effect.fail("connecting"))
      const ready = yield* get(`${base}/api/ready`)
      assert.strictEqual(ready.status, 503)
      const body = JSON.parse(ready.body)
      assert.deepStrictEqual([...body.failing].sort(), ["discord", "ffmpeg"])
      const ffmpeg = body.checks.find((check: { name: string }) => check.name === "ffmpeg")
      assert.include(ffmpeg.detail, "/nonexistent/ffmpeg was not found")
      assert.strictEqual((yield* get(`${base}/api/health`)).status, 200, "liveness does not depend on readiness")
    }).pipe(Effect.scoped), 60_000)
})
