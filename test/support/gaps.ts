import { FRAME_MS, type Recording } from "./RecordingVoiceOutput.ts"

/**
 * The silence between consecutive sessions (pipeline runs) of a guild's recording, in ms: from the
 * end of one session's last packet (it fills a frame) to the first packet of the next. Two runs
 * that follow each other as a single stream would have a gap of 0.
 */
export const sessionGaps = (recording: Recording): Array<number> => {
  const first = new Map<number, number>()
  const last = new Map<number, number>()
  for (const p of recording.packets) {
    if (!first.has(p.session)) first.set(p.session, p.sentAtMs)
    last.set(p.session, p.sentAtMs)
  }
  const order = [...first.keys()].sort((a, b) => a - b)
  return order.slice(1).map((s, i) => first.get(s)! - last.get(order[i]!)! - FRAME_MS)
}
