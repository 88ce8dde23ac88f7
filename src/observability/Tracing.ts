import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer, Option } from "effect"

/** OpenTelemetry tracing over OTLP/HTTP to `endpoint` (e.g. Jaeger on :4318); nothing when unset. */
export const layerTracing = (options: { readonly endpoint: Option.Option<string>; readonly serviceName: string }) =>
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
