/**
 * When a run reaches a segment the guild skips: pure, asked at every packet the run sends. The
 * transition then decides what reaching it means (Transition.ts).
 */
import type { Segment } from "../../schema/Segments.ts"

/**
 * Less than this left of a segment is not worth a skip: a new run costs FFmpeg's start-up, and
 * the listener would hear the jump more than the rest of the segment.
 */
export const worthSkippingMs = 500

/**
 * The segment the run is in, among those it reached from before their start: a run that began
 * inside a segment was sought there by someone (or resumed there), who meant to hear it.
 */
export const dueSegment = (segments: ReadonlyArray<Segment>, runStartMs: number, positionMs: number): Segment | null =>
  segments.find((s) => s.startMs >= runStartMs && positionMs >= s.startMs && positionMs < s.endMs - worthSkippingMs) ?? null

/**
 * A segment that ends this near the track's end ends the track: what is left would be a moment of
 * the segment itself (SponsorBlock's ends and yt-dlp's durations are both rounded), not worth a
 * new run either.
 */
export const endSlackMs = worthSkippingMs
