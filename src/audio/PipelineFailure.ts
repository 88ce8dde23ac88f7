import { Cause } from "effect"
import { PipelineError } from "./AudioPipeline.ts"

/**
 * Turning what went wrong (FFmpeg's stderr, an HTTP status, a demuxer complaint) into a
 * `PipelineError` whose `reason` a user can read and whose `detail` keeps the raw words for logs.
 */

/** How much of FFmpeg's stderr is kept: its last lines carry the cause. */
export const STDERR_TAIL_BYTES = 2048

/** Keeps the last `max` bytes of a growing text, cutting at a line start where possible. */
export const appendTail = (tail: string, more: string, max = STDERR_TAIL_BYTES): string => {
  const text = tail + more
  if (text.length <= max) return text
  const cut = text.slice(text.length - max)
  const newline = cut.indexOf("\n")
  return newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut
}

const rules: ReadonlyArray<readonly [RegExp, string]> = [
  [/404 Not Found/i, "the source was not found (HTTP 404)"],
  [/403 Forbidden/i, "the source refused access (HTTP 403); its link may have expired"],
  [/410 Gone/i, "the source link has expired (HTTP 410)"],
  [/Server returned 5\d\d|5\d\d Internal Server Error|Service Unavailable/i, "the source's server failed"],
  [/Server returned 4\d\d/i, "the source rejected the request"],
  [/Connection refused|Connection timed out|Network is unreachable|Failed to resolve/i, "could not reach the source"],
  [/No such file or directory/i, "the file does not exist"],
  [/Permission denied/i, "the file cannot be read (permission denied)"],
  [/matches no streams|does not contain any stream|Output file .* does not contain/i, "the source has no audio"],
  [
    new RegExp(
      [
        "Invalid data found",
        "could not find codec parameters",
        "Error while decoding",
        "moov atom not found",
        "EBML header parsing failed",
        "Failed to read frame",
        "Invalid argument"
      ].join("|"),
      "i"
    ),
    "the file could not be decoded"
  ],
  [/Protocol .* not on whitelist|Protocol not found/i, "this kind of source is not allowed"]
]

const ruleFor = (stderr: string): string | undefined => rules.find(([pattern]) => pattern.test(stderr))?.[1]

/** A short, human reason for an FFmpeg failure. */
export const reasonFromStderr = (stderr: string, exitCode: number | null): string =>
  ruleFor(stderr) ??
    (exitCode === null ? "the audio process stopped unexpectedly" : `the audio process failed (exit code ${exitCode})`)

/**
 * `exitCode` is null when a signal ended FFmpeg. Without a complaint about the input in its last
 * words, such an end is the process dying (killed, out of memory), not the track being bad.
 */
export const ffmpegFailure = (stderr: string, exitCode: number | null): PipelineError =>
  new PipelineError({
    reason: reasonFromStderr(stderr, exitCode),
    detail: stderr.trim().length > 0 ? stderr.trim() : `ffmpeg exited with code ${exitCode}`,
    crashed: exitCode === null && ruleFor(stderr) === undefined
  })

/**
 * FFmpeg ends a file whose connection broke off without being able to reconnect (its server
 * ignores byte ranges, FfmpegArgs.ts) as if it were complete, exiting 0 with this complaint. The
 * track is not over: marked as crashed, the player goes on from the position it reached.
 */
export const brokenOff = (stderr: string): PipelineError | undefined =>
  /Stream ends prematurely/i.test(stderr)
    ? new PipelineError({ reason: "the source stopped sending audio", detail: stderr.trim(), crashed: true })
    : undefined

export const httpFailure = (status: number, url: string): PipelineError =>
  new PipelineError({
    reason: status === 404
      ? "the source was not found (HTTP 404)"
      : status === 403
      ? "the source refused access (HTTP 403); its link may have expired"
      : status === 410
      ? "the source link has expired (HTTP 410)"
      : status >= 500
      ? "the source's server failed"
      : "the source rejected the request",
    detail: `GET ${redactUrl(url)} -> HTTP ${status}`
  })

/** Stream URLs carry signatures in their query: keep them out of logs. */
export const redactUrl = (url: string): string => url.replace(/\?.*$/, "?…")

/** A short reason for users from whatever ended a playback run. */
export const failureReason = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof PipelineError) return error.reason
  if (error instanceof Error && error.message !== "") return error.message
  return "the track could not be played"
}
