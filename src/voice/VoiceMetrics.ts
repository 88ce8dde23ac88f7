import { type Effect, Metric } from "effect"
import type { VoicePathKind } from "./VoicePath.ts"

const silences = Metric.counter("reprise_voice_path_silences_total", {
  description: "Times a voice server stopped answering keepalives (udp) or heartbeats (ws) for VOICE_PATH_WARNING"
})
const reconnects = Metric.counter("reprise_voice_path_reconnects_total", {
  description: "Reconnects of a voice connection whose server had not answered for VOICE_PATH_TIMEOUT, by path"
})

/** A path fell silent; by path only, so the series stay two however many guilds there are. */
export const countSilence = (path: VoicePathKind): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(silences, { path }), 1)

export const countReconnect = (path: VoicePathKind): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(reconnects, { path }), 1)
