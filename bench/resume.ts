/**
 * Resuming, measured against the fake Discord with Reprise as its own process, on a track whose
 * position can be read off its sound (one-second tones a step apart):
 *
 * - restart to audio after SIGTERM and after SIGKILL: from the new gateway session being READY to
 *   the first audio packet, and the whole silence (last packet before the stop to the first
 *   after, the new process's start-up included), p50/p95 over `BENCH_RESUME_RUNS` (10) each;
 * - where it came back, against the last position heard before the stop (SIGTERM: within ±0.5 s;
 *   SIGKILL: at most 3 s before, never more than 1 s after);
 * - FFmpeg killed mid-track: the longest silence the listener gets, and how far the track jumped.
 */
import { opusFrames, type OpusFrame } from "../test/fake-discord/ReceivedAudio.ts"
import type { VoiceStream } from "../test/fake-discord/FakeDiscord.ts"
import { type Harness, ids, startHarness, waitForAnswer } from "../test/discord/harness.ts"
import { span, steps } from "../test/discord/steppedTone.ts"
import { workingFfmpeg } from "../test/support/audioProcesses.ts"
import { type BenchSection, type Figure, percentile, round, sleep } from "./Section.ts"

const track = steps(150)
const killTrack = steps(40)

const framesOf = (stream: VoiceStream, from = 0, to = Number.POSITIVE_INFINITY): ReadonlyArray<OpusFrame> =>
  opusFrames({ ...stream, packets: stream.packets.filter((p) => p.at >= from && p.at < to) }).frames

const until = async (predicate: () => boolean, label: string, timeoutMs: number) => {
  const deadline = performance.now() + timeoutMs
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`)
    await sleep(25)
  }
}

const play = async (h: Harness, path: string) => {
  const sent = h.fake.sendSlashCommand(ids.guild, ids.alice, "play", { query: h.files.url(path) })
  await waitForAnswer(h.fake, sent, /Now playing/)
}

interface RestartRun {
  readonly readyToAudioMs: number
  /** The silence the listener hears: from the last packet before the stop to the first after. */
  readonly silenceMs: number
  readonly positionErrorMs: number
}

const restartRun = async (h: Harness, signal: "SIGTERM" | "SIGKILL"): Promise<RestartRun> => {
  const streams = () => h.fake.voiceStreams(ids.guild)
  await sleep(2_500 + Math.random() * 1_000)
  const before = streams().length
  await h.restart({ signal })
  await until(() => streams().length > before && (streams().at(-1)?.packets.length ?? 0) > 100, "resumed audio", 30_000)
  // Streams are copies taken when read: the old one is complete now, up to its last packet.
  const all = streams()
  const last = framesOf(all[before - 1]!)
  const heard = span(last, track).last!
  const frames = framesOf(all[before]!)
  const resumed = span(frames, track).first!
  return {
    readyToAudioMs: frames[0]!.at - h.fake.readyTimes().at(-1)!,
    silenceMs: frames[0]!.at - last.at(-1)!.at,
    positionErrorMs: resumed.ms - heard.ms
  }
}

interface KillRun {
  readonly longestGapMs: number
  /** How far the track's position moved against the time that passed: 0 is seamless. */
  readonly jumpMs: number
}

const killRun = async (h: Harness, n: number): Promise<KillRun> => {
  await play(h, "/kill.ogg")
  await sleep(3_000)
  const ffmpeg = workingFfmpeg(h.bot.process.pid!)
  if (ffmpeg.length !== 1) throw new Error(`expected one FFmpeg, found ${ffmpeg.length}`)
  const killedAt = performance.now()
  process.kill(ffmpeg[0]!.pid, "SIGKILL")
  const recovered = /the audio process died; the track goes on from where it was/g
  await until(() => (h.bot.output().match(recovered)?.length ?? 0) >= n, "the track going on", 45_000)
  await sleep(2_000)
  const stream = h.fake.voiceStreams(ids.guild).at(-1)!
  const before = framesOf(stream, 0, killedAt)
  const after = framesOf(stream, killedAt)
  const gaps = after.map((f, i) => f.at - (i === 0 ? before.at(-1)!.at : after[i - 1]!.at))
  const lastBefore = span(before, killTrack).last!
  const lastAfter = span(after, killTrack).last!
  await h.fake.sendSlashCommand(ids.guild, ids.alice, "stop", {})
  await sleep(1_000)
  return {
    longestGapMs: Math.max(...gaps),
    jumpMs: (lastAfter.ms - lastBefore.ms) - (lastAfter.at - lastBefore.at)
  }
}

const summary = (values: ReadonlyArray<number>) => ({
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  min: round(Math.min(...values)),
  max: round(Math.max(...values))
})

export const runResumeBench = async (options: { readonly runs?: number; readonly kills?: number } = {}) => {
  const runs = options.runs ?? Number(process.env.BENCH_RESUME_RUNS ?? 10)
  const kills = options.kills ?? 3
  const h = await startHarness({
    env: { DISCORD_GUILD_ID: ids.guild, LOG_LEVEL: "info" },
    tones: {},
    sequences: { "/steps.ogg": track, "/kill.ogg": killTrack }
  })
  try {
    await play(h, "/steps.ogg")
    const sigterm: Array<RestartRun> = []
    const sigkill: Array<RestartRun> = []
    for (let i = 0; i < runs; i++) sigterm.push(await restartRun(h, "SIGTERM"))
    for (let i = 0; i < runs; i++) sigkill.push(await restartRun(h, "SIGKILL"))
    await h.fake.sendSlashCommand(ids.guild, ids.alice, "stop", {})
    await sleep(1_000)
    const killed: Array<KillRun> = []
    for (let i = 1; i <= kills; i++) killed.push(await killRun(h, i))
    const of = (rows: ReadonlyArray<RestartRun>) => ({
      readyToAudioMs: summary(rows.map((r) => r.readyToAudioMs)),
      silenceMs: summary(rows.map((r) => r.silenceMs)),
      positionErrorMs: summary(rows.map((r) => r.positionErrorMs))
    })
    return {
      runs,
      sigterm: of(sigterm),
      sigkill: of(sigkill),
      ffmpegKill: {
        kills,
        longestGapMs: summary(killed.map((k) => k.longestGapMs)),
        jumpMs: summary(killed.map((k) => k.jumpMs))
      },
      rows: { sigterm, sigkill, killed }
    }
  } catch (error) {
    throw new Error(`${String(error)}\n--- bot output ---\n${h.bot.output().slice(-4000)}`, { cause: error })
  } finally {
    await h.stop()
  }
}

type Summary = ReturnType<typeof summary>

/** A signal's figures; the position error must fall within [low, high]. */
const restartFigures = (
  signal: string,
  r: { readonly readyToAudioMs: Summary; readonly silenceMs: Summary; readonly positionErrorMs: Summary },
  [low, high]: readonly [number, number]
): ReadonlyArray<Figure> => [
  { key: `${signal}.ready_to_audio_ms.p50`, value: r.readyToAudioMs.p50, unit: "ms" },
  { key: `${signal}.ready_to_audio_ms.p95`, value: r.readyToAudioMs.p95, unit: "ms", target: "< 3000", ok: r.readyToAudioMs.p95 < 3000 },
  { key: `${signal}.silence_ms.p50`, value: r.silenceMs.p50, unit: "ms" },
  { key: `${signal}.silence_ms.p95`, value: r.silenceMs.p95, unit: "ms" },
  {
    key: `${signal}.position_error_ms`,
    value: `${r.positionErrorMs.min} … ${r.positionErrorMs.max}`,
    target: `${low} … +${high}`,
    ok: r.positionErrorMs.min >= low && r.positionErrorMs.max <= high
  }
]

export const resumeSection: BenchSection = {
  name: "resume.restart",
  description: "restart to audio after SIGTERM and SIGKILL, resume position error, FFmpeg-kill gap",
  run: async () => {
    const r = await runResumeBench()
    return {
      figures: [
        ...restartFigures("sigterm", r.sigterm, [-500, 500]),
        ...restartFigures("sigkill", r.sigkill, [-3000, 1000]),
        {
          key: "ffmpeg_kill.longest_gap_ms.max",
          value: r.ffmpegKill.longestGapMs.max,
          unit: "ms",
          target: "< 1000",
          ok: r.ffmpegKill.longestGapMs.max < 1000
        },
        { key: "ffmpeg_kill.jump_ms", value: `${r.ffmpegKill.jumpMs.min} … ${r.ffmpegKill.jumpMs.max}` }
      ],
      details: r
    }
  }
}

// `node bench/resume.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runResumeBench()
  process.stdout.write(`${JSON.stringify({ ...result, rows: undefined }, null, 2)}\n`)
}
