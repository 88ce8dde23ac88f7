import type { PipelineRequest } from "./AudioPipeline.ts"
import { isFlat } from "./EffectCatalog.ts"
import {
  crossfadeArgs,
  DEFAULT_FFMPEG_OPTIONS,
  type FfmpegOptions,
  remuxArgs,
  type SeekMethod,
  transcodeArgs
} from "./FfmpegArgs.ts"
import { volumeGain } from "./Volume.ts"

/**
 * Which of the three audio paths a request takes:
 *
 * - `Passthrough`: the source already is Opus and nothing alters the sound; Node demuxes
 *   the WebM or Ogg container itself and forwards the packets. No FFmpeg, ~100× cheaper than encoding.
 * - `Remux`: the same, but starting mid-track. FFmpeg seeks and copies the packets into Ogg,
 *   because it can seek an HTTP source with range requests, where Node would have to download and
 *   discard everything before the position.
 * - `Transcode`: FFmpeg decodes, filters and encodes Opus. A crossfade always takes it: two
 *   tracks can only be mixed as decoded samples.
 *
 * "Nothing alters the sound" means no effect, a flat equalizer, no normalisation and a gain of
 * exactly 1. With the default gentle mapping (100 % = gain 0.25) no shown volume reaches gain 1, so
 * by default every track is re-encoded and plays at the level users chose: passing the source through
 * at full scale would make it ~12 dB louder than the same track with an effect on, and switching an
 * effect on or off would jump in level. An operator who prefers the cheap path configures
 * `referenceGain: 1` (100 % = the source's own level); then 100 % with no effect passes through.
 */
export type PipelinePlan =
  | { readonly _tag: "Passthrough"; readonly container: "webm" | "ogg" }
  | { readonly _tag: "Remux"; readonly args: ReadonlyArray<string> }
  | { readonly _tag: "Transcode"; readonly args: ReadonlyArray<string> }

/** True when the request leaves the sound exactly as the source has it. */
export const isNeutral = (request: PipelineRequest, options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS): boolean =>
  request.effects.length === 0 &&
  isFlat(request.equalizer) &&
  !request.normalize &&
  volumeGain(request.volume, options.referenceGain) === 1

/**
 * `seek`: how FFmpeg reaches `startMs` (FfmpegArgs.ts), or for a crossfade the outgoing track's
 * start; `read-forward` when the server ignores byte ranges.
 */
export const plan = (
  request: PipelineRequest,
  options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS,
  seek: SeekMethod = "input"
): PipelinePlan => {
  const { crossfade } = request
  if (crossfade !== undefined) return { _tag: "Transcode", args: crossfadeArgs({ ...request, crossfade }, options, seek) }
  const { codec } = request.source
  if (codec !== "unknown" && isNeutral(request, options)) {
    if (request.startMs <= 0 || request.source.isLive) {
      return { _tag: "Passthrough", container: codec === "webm-opus" ? "webm" : "ogg" }
    }
    return { _tag: "Remux", args: remuxArgs(request, seek, options) }
  }
  return { _tag: "Transcode", args: transcodeArgs(request, options, seek) }
}
