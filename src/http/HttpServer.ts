import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { PrometheusMetrics } from "effect/observability"
import { createServer } from "node:http"
import { Port, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { section as resolveSection } from "../resolve/ResolveSettings.ts"
import { sampleProcessMetrics } from "../observability/ProcessMetrics.ts"
import { RepriseApi } from "./Api.ts"
import { ApiAuthLive } from "./ApiAuth.ts"
import { AuthRoutes } from "./AuthRoutes.ts"
import { bodyLimit } from "./BodyLimit.ts"
import { DashboardRoutes } from "./DashboardRoutes.ts"
import { EventLog } from "./EventLog.ts"
import { GuildHandlers } from "./GuildHandlers.ts"
import { httpMetrics } from "./HttpMetrics.ts"
import { Images } from "./Images.ts"
import { Uploads } from "./Uploads.ts"
import { LibraryHandlers } from "./LibraryHandlers.ts"
import { MeHandlers } from "./MeHandlers.ts"
import { DiscordOAuth } from "./OAuth.ts"
import { PlaylistHandlers } from "./PlaylistHandlers.ts"
import { RequestProblemsLive } from "./Problems.ts"
import { SystemHandlers } from "./SystemHandlers.ts"

const ApiRoutes = HttpApiBuilder.layer(RepriseApi, { openapiPath: "/api/openapi.json" }).pipe(
  Layer.provide([SystemHandlers, GuildHandlers, LibraryHandlers, PlaylistHandlers, MeHandlers]),
  Layer.provide([ApiAuthLive, RequestProblemsLive, EventLog.layer(), Images.layerConfig, Uploads.layerConfig])
)

const DocsRoute = HttpApiScalar.layer(RepriseApi, { path: "/api/docs" })

const MetricsRoute = HttpRouter.add(
  "GET",
  "/metrics",
  Effect.gen(function*() {
    yield* sampleProcessMetrics
    return HttpServerResponse.text(yield* PrometheusMetrics.format(), {
      contentType: "text/plain; version=0.0.4; charset=utf-8"
    })
  })
)

/**
 * All routes, served by whatever HttpServer is provided (a port in production, a test server in
 * tests). The login's Discord client is built here; the sessions it makes are the program's (App.ts).
 */
export const Routes = Layer.mergeAll(
  ApiRoutes,
  DocsRoute,
  MetricsRoute,
  AuthRoutes.pipe(Layer.provide(DiscordOAuth.layerConfig)),
  DashboardRoutes
)

export const section = Section.make({
  fields: {
    HTTP_HOST: Schema.NonEmptyString.pipe(withDefault("127.0.0.1")),
    HTTP_PORT: Port.pipe(withDefault("8080"))
  },
  build: (e) => ({ host: e.HTTP_HOST, port: e.HTTP_PORT })
})

/** The HTTP server on HTTP_HOST:HTTP_PORT. Closing its scope stops listening. */
export const layerConfig = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* Section.settingsOf(section)
    const { attachmentMaxBytes } = yield* Section.settingsOf(resolveSection)
    const limited = bodyLimit({ uploadMaxBytes: attachmentMaxBytes })
    return HttpRouter.serve(Routes, { middleware: (app) => httpMetrics(limited(app)), disableLogger: true }).pipe(
      Layer.provide(NodeHttpServer.layer(createServer, { host: config.host, port: config.port }))
    )
  })
)
