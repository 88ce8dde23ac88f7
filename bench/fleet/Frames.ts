/**
 * Late frames in what the fake Discord received from the bot: each voice stream decrypted
 * (ReceivedAudio.ts) and the gap before each frame measured. @discordjs/voice sends one frame every
 * 20 ms; a frame is late when it arrives more than a frame's time after the one before it (a slot
 * passed with nothing sent). Only frames that follow each other in the stream count: after a pause
 * or a stop the player sends silence frames, which ReceivedAudio leaves out, so the numbering jumps.
 * A gap just after a change the guild asked for (volume, effects, skip, resume, a new track) is
 * the change's own restart, which `audio.restart` measures (or the gap between two tracks,
 * `audio.gap`'s): it is counted apart from pacing.
 */
import type { FakeDiscord } from "../../test/fake-discord/FakeDiscord.ts"
import { opusFrames } from "../../test/fake-discord/ReceivedAudio.ts"
import type { RtpPacket } from "../../test/fake-discord/Udp.ts"
import { round } from "../Section.ts"

export const LATE_GAP_MS = 40
/** How long after a change its restart may take. */
export const CHANGE_MARGIN_MS = 2_000
/**
 * A new track's now-playing edit reaches the fake shortly after its first frame (the player
 * announces a track once it is heard): a change seen that way covers the second before it too.
 */
export const CHANGE_LEAD_MS = 1_000

export interface FrameTally {
  /** RTP packets of a known stream, and those that did not decrypt (never expected). */
  readonly packets: number
  readonly decryptFailures: number
  readonly frames: number
  /** Gaps over LATE_GAP_MS in steady playback. */
  readonly late: number
  readonly maxLateMs: number
  /** Gaps over LATE_GAP_MS within CHANGE_MARGIN_MS of a change. */
  readonly changeGaps: number
  readonly maxChangeGapMs: number
  readonly guildsHeard: ReadonlySet<string>
}

export const noFrames: FrameTally = {
  packets: 0,
  decryptFailures: 0,
  frames: 0,
  late: 0,
  maxLateMs: 0,
  changeGaps: 0,
  maxChangeGapMs: 0,
  guildsHeard: new Set()
}

export const addTallies = (a: FrameTally, b: FrameTally): FrameTally => ({
  packets: a.packets + b.packets,
  decryptFailures: a.decryptFailures + b.decryptFailures,
  frames: a.frames + b.frames,
  late: a.late + b.late,
  maxLateMs: Math.max(a.maxLateMs, b.maxLateMs),
  changeGaps: a.changeGaps + b.changeGaps,
  maxChangeGapMs: Math.max(a.maxChangeGapMs, b.maxChangeGapMs),
  guildsHeard: new Set([...a.guildsHeard, ...b.guildsHeard])
})

export const latePct = (t: FrameTally): number => t.frames === 0 ? 100 : round(t.late / t.frames * 100, 3)

/** Frames heard as a share of what `streamMs` of playing (summed over guilds) would send: 50 a second. */
export const deliveredPct = (t: FrameTally, streamMs: number): number =>
  streamMs <= 0 ? 0 : round(t.frames / (streamMs / 20) * 100, 1)

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Tallies `packets` (RTP as the fake received it) per voice stream. `changes` gives a guild's
 * change times (performance.now()). Decrypting takes a few milliseconds per stream: the loop is
 * let go between streams so that the fake's own arrival times are not delayed by it.
 */
export const tallyFrames = async (
  fake: FakeDiscord,
  packets: ReadonlyArray<RtpPacket>,
  changes: (guildId: string) => ReadonlyArray<number>
): Promise<FrameTally> => {
  const bySsrc = new Map<number, Array<RtpPacket>>()
  for (const p of packets) {
    const list = bySsrc.get(p.ssrc)
    if (list === undefined) bySsrc.set(p.ssrc, [p])
    else list.push(p)
  }
  let tally = noFrames
  for (const session of fake.voiceSessions) {
    const own = bySsrc.get(session.ssrc)
    if (own === undefined || session.mode === null || session.key === null) continue
    const { frames, decryptFailures } = opusFrames({ ...session, mode: session.mode, key: session.key, packets: own })
    const near = changes(session.guildId)
    let late = 0
    let maxLateMs = 0
    let changeGaps = 0
    let maxChangeGapMs = 0
    for (let i = 1; i < frames.length; i++) {
      const frame = frames[i]!
      const previous = frames[i - 1]!
      if (((frame.sequence - previous.sequence) & 0xffff) !== 1) continue
      const gap = frame.at - previous.at
      if (gap <= LATE_GAP_MS) continue
      if (near.some((at) => frame.at >= at - CHANGE_LEAD_MS && frame.at <= at + CHANGE_MARGIN_MS)) {
        changeGaps++
        maxChangeGapMs = Math.max(maxChangeGapMs, gap)
      } else {
        late++
        maxLateMs = Math.max(maxLateMs, gap)
      }
    }
    tally = addTallies(tally, {
      packets: own.length,
      decryptFailures,
      frames: frames.length,
      late,
      maxLateMs: round(maxLateMs),
      changeGaps,
      maxChangeGapMs: round(maxChangeGapMs),
      guildsHeard: frames.length > 0 ? new Set([session.guildId]) : new Set()
    })
    await yieldToLoop()
  }
  return tally
}
