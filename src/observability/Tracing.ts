import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer, Option, Schema } from "effect"
import { HttpUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

export interface TracingSettings {
  /** An OTLP/HTTP collector, e.g. Jaeger on :4318; none switches tracing off. */
  readonly endpoint: Option.Option<string>
  readonly serviceName: string
}

export const section = Section.make({
  fields: {
    OTEL_EXPORTER_OTLP_ENDPOINT: Schema.optionalKey(HttpUrl),
    OTEL_SERVICE_NAME: Schema.NonEmptyString.pipe(withDefault("reprise"))
  },
  build: (e): TracingSettings => ({
    endpoint: Option.fromUndefinedOr(e.OTEL_EXPORTER_OTLP_ENDPOINT),
    serviceName: e.OTEL_SERVICE_NAME
  })
})

/** OpenTelemetry tracing over OTLP/HTTP to the endpoint; nothing when it is unset. */
export const layer = (options: TracingSettings) =>
  Option.match(options.endpoint, {
    onNone: () => Layer.empty,
    onSome: (endpoint) =>
      NodeSdk.layer(() => ({
        resource: { serviceName: options.serviceName, serviceVersion: "0.1.0" },
        spanProcessor: new BatchSpanProcessor(
          new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` }),
          { scheduledDelayMillis: 1000 }
        )
      }))
  })
