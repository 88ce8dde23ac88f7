import { Duration, Effect, Exit, Metric } from "effect"
import { HttpServerRequest, type HttpServerResponse } from "effect/http"

const requests = Metric.counter("http_requests_total", { description: "HTTP requests served" })
const duration = Metric.histogram("http_request_duration_seconds", {
  description: "Time to produce an HTTP response, in seconds",
  boundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
})

/** Ids and numbers become `:id` so that a label names a route, not a request. */
export const routeLabel = (path: string): string =>
  path.split("?")[0]!.replace(/\/\d+(?=\/|$)/g, "/:id") || "/"

/** Server middleware: counts requests and times responses by method, route and status. */
export const httpMetrics = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = yield* Effect.clockWith((clock) => clock.currentTimeNanos)
    const exit = yield* Effect.exit(app)
    const elapsed = (yield* Effect.clockWith((clock) => clock.currentTimeNanos)) - started
    const status = Exit.isSuccess(exit) ? exit.value.status : 500
    const attributes = { method: request.method, route: routeLabel(request.url), status: String(status) }
    yield* Metric.update(Metric.withAttributes(requests, attributes), 1)
    yield* Metric.update(
      Metric.withAttributes(duration, { method: request.method, route: attributes.route }),
      Duration.toSeconds(Duration.nanos(elapsed))
    )
    return yield* exit
  })
