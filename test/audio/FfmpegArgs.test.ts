import { assert, describe, it } from "@effect/vitest"
import { EffectName, EqPreset } from "../../schema/Effects.ts"
import type { PipelineRequest } from "../../src/audio/AudioPipeline.ts"
import {
  EFFECTS,
  EQ_PRESETS,
  equalizerFilters,
  formatNumber,
  orderEffects,
  playbackSpeed
} from "../../src/audio/EffectCatalog.ts"
import {
  CROSSFADE_PREROLL_MS,
  crossfadeArgs,
  filterGraph,
  headersArg,
  inputArgs,
  NORMALIZE_FILTER,
  remuxArgs,
  secondsArg,
  transcodeArgs,
  warmArgs,
  warmStart
} from "../../src/audio/FfmpegArgs.ts"
import { appendTail, brokenOff, reasonFromStderr } from "../../src/audio/PipelineFailure.ts"
import { isNeutral, plan } from "../../src/audio/PipelinePlan.ts"
import type { Playable } from "../../src/audio/Playable.ts"
import { volumeChangeDb, volumeGain } from "../../src/audio/Volume.ts"

const flat = Array<number>(15).fill(0)
const file: Playable = { input: "/music/a.mp3", httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false }
const webm: Playable = { ...file, input: "/music/a.webm", codec: "webm-opus" }
const http: Playable = {
  input: "https://cdn.example/audio?sig=abc",
  httpHeaders: { "User-Agent": "reprise", Cookie: "a=b" },
  codec: "webm-opus",
  expiresAt: null,
  isLive: false
}
const request = (overrides: Partial<PipelineRequest> = {}): PipelineRequest => ({
  source: file,
  startMs: 0,
  effects: [],
  equalizer: flat,
  volume: 100,
  normalize: false,
  ...overrides
})

/** The value following `flag` in an argument array. */
const valueOf = (args: ReadonlyArray<string>, flag: string): string | undefined => {
  const i = args.indexOf(flag)
  return i < 0 ? undefined : args[i + 1]
}

describe("volume mapping", () => {
  it("100 % is a quarter of full scale, 200 % half, 0 % silence", () => {
    assert.strictEqual(volumeGain(100), 0.25)
    assert.strictEqual(volumeGain(200), 0.5)
    assert.strictEqual(volumeGain(0), 0)
  })
  it("halving the shown volume is −6.02 dB", () => {
    assert.closeTo(volumeChangeDb(100, 50), -6.02, 0.01)
    assert.closeTo(volumeChangeDb(50, 100), 6.02, 0.01)
    assert.closeTo(volumeChangeDb(100, 200), 6.02, 0.01)
  })
  it("clamps out-of-range input and honours the reference gain", () => {
    assert.strictEqual(volumeGain(500), 0.5)
    assert.strictEqual(volumeGain(-3), 0)
    assert.strictEqual(volumeGain(100, 1), 1)
  })
})

describe("effect catalog", () => {
  it("has a definition for every EffectName", () => {
    const names = EFFECTS.map((e) => e.name).sort()
    assert.deepStrictEqual(names, [...EffectName.literals].sort())
  })
  it("orders a combination tempo → tone → modulation → spatial, whatever the request order", () => {
    const ordered = orderEffects(["8d", "bassboost", "nightcore", "tremolo", "nightcore"]).map((e) => e.name)
    assert.deepStrictEqual(ordered, ["nightcore", "bassboost", "tremolo", "8d"])
  })
  it("nightcore multiplies the rate by 1.25 at a known 48 kHz", () => {
    assert.strictEqual(EFFECTS.find((e) => e.name === "nightcore")!.filters, "asetrate=60000,aresample=48000")
  })
  it("reports the playback speed of tempo effects", () => {
    assert.strictEqual(playbackSpeed([]), 1)
    assert.strictEqual(playbackSpeed(["nightcore", "bassboost"]), 1.25)
    assert.closeTo(playbackSpeed(["slow", "speedup"]), 1, 1e-9)
    assert.strictEqual(playbackSpeed(["pitchup"]), 1)
  })
})

describe("equalizer", () => {
  it("has 15 bands for every preset, flat is all zero", () => {
    for (const preset of EqPreset.literals) assert.strictEqual(EQ_PRESETS[preset].length, 15)
    assert.isTrue(EQ_PRESETS.flat.every((g) => g === 0))
  })
  it("all zero means no equalizer", () => {
    assert.isUndefined(equalizerFilters(flat))
  })
  it("skips bands at 0 dB and clamps to ±12 dB", () => {
    const gains = [...flat]
    gains[0] = 3
    gains[8] = -20
    assert.strictEqual(
      equalizerFilters(gains),
      "equalizer=f=25:t=o:w=0.666667:g=3,equalizer=f=1000:t=o:w=0.666667:g=-12"
    )
  })
  it("formats numbers without exponents or trailing zeros", () => {
    assert.strictEqual(formatNumber(0.25), "0.25")
    assert.strictEqual(formatNumber(2), "2")
    assert.strictEqual(formatNumber(1e-7), "0")
    assert.strictEqual(formatNumber(0.1 + 0.2), "0.3")
  })
})

describe("filter graph", () => {
  it("is only the volume at default settings", () => {
    assert.strictEqual(filterGraph(request()), "aresample=48000,volume=0.25")
  })
  it("orders effects, equalizer, normalisation, volume, then the limiter last", () => {
    const gains = [...flat]
    gains[3] = 2
    const effects = ["limiter", "bassboost", "nightcore"] as const
    const graph = filterGraph(request({ effects, equalizer: gains, normalize: true }))!
    const at = (s: string) => graph.indexOf(s)
    assert.isTrue(graph.startsWith("aresample=48000,asetrate=60000"))
    assert.isTrue(at("asetrate") < at("bass="))
    assert.isTrue(at("bass=") < at("equalizer="))
    assert.isTrue(at("equalizer=") < at(NORMALIZE_FILTER))
    assert.isTrue(at(NORMALIZE_FILTER) < at("volume=0.25"))
    assert.isTrue(graph.endsWith("alimiter=limit=0.7079:level=false"))
  })
  it("is absent when nothing alters the sound", () => {
    assert.isUndefined(filterGraph(request(), { referenceGain: 1, bitrate: 128_000 }))
  })
})

describe("ffmpeg arguments", () => {
  it("seeks before -i, reads files through file:, and never reads stdin", () => {
    const args = inputArgs(file, 3000)
    assert.strictEqual(valueOf(args, "-ss"), "3")
    assert.isTrue(args.indexOf("-ss") < args.indexOf("-i"))
    assert.strictEqual(valueOf(args, "-i"), "file:/music/a.mp3")
    assert.include(args, "-nostdin")
    assert.strictEqual(valueOf(args, "-protocol_whitelist"), "file")
    assert.notInclude(args, "-reconnect")
  })
  it("adds reconnects and headers for http inputs", () => {
    const args = inputArgs(http, 0)
    assert.strictEqual(valueOf(args, "-reconnect"), "1")
    assert.strictEqual(valueOf(args, "-reconnect_delay_max"), "5")
    assert.strictEqual(valueOf(args, "-headers"), "User-Agent: reprise\r\nCookie: a=b\r\n")
    assert.strictEqual(valueOf(args, "-i"), http.input)
    assert.notInclude(args, "-ss")
  })
  it("reconnects a stream it cannot seek in only when it is live: a file would start over from 0:00", () => {
    assert.notInclude(inputArgs(http, 0), "-reconnect_streamed")
    assert.strictEqual(valueOf(inputArgs({ ...http, isLive: true }, 0), "-reconnect_streamed"), "1")
  })
  it("reads forward to the position when the server ignores byte ranges", () => {
    const args = inputArgs(http, 3000, "read-forward")
    assert.strictEqual(valueOf(args, "-ss"), "3")
    assert.isTrue(args.indexOf("-ss") > args.indexOf("-i"), "-ss after -i drops what comes before it")
    assert.deepStrictEqual(args.slice(-4), ["-i", http.input, "-ss", "3"])
    const transcode = transcodeArgs(request({ source: http, startMs: 3000 }), undefined, "read-forward")
    assert.isTrue(transcode.indexOf("-ss") > transcode.indexOf("-i"))
    const remux = plan(request({ source: http, startMs: 3000 }), { referenceGain: 1, bitrate: 128_000 }, "read-forward")
    assert.strictEqual(remux._tag, "Remux")
    if (remux._tag === "Remux") assert.isTrue(remux.args.indexOf("-ss") > remux.args.indexOf("-i"))
  })
  it("a connection FFmpeg could not take up again is a broken-off run, to go on from", () => {
    const broken = brokenOff("[http @ 0x1] Stream ends prematurely at 130000, should be 320000\n")
    assert.strictEqual(broken?.crashed, true)
    assert.strictEqual(broken?.reason, "the source stopped sending audio")
    assert.isUndefined(brokenOff("[ogg @ 0x1] a harmless complaint\n"))
  })
  it("strips CR/LF from headers so a value cannot inject another header", () => {
    assert.strictEqual(headersArg({ "X-A": "1\r\nX-Evil: 2" }), "X-A: 1X-Evil: 2\r\n")
  })
  it("does not seek live streams", () => {
    assert.notInclude(inputArgs({ ...http, isLive: true }, 5000), "-ss")
  })
  it("formats seek positions in seconds", () => {
    assert.strictEqual(secondsArg(61_234), "61.234")
    assert.strictEqual(secondsArg(-5), "0")
  })
  it("encodes 20 ms Opus frames at 48 kHz stereo into Ogg on stdout", () => {
    const args = transcodeArgs(request({ effects: ["bassboost"] }))
    assert.strictEqual(valueOf(args, "-c:a"), "libopus")
    assert.strictEqual(valueOf(args, "-b:a"), "128000")
    assert.strictEqual(valueOf(args, "-ar"), "48000")
    assert.strictEqual(valueOf(args, "-ac"), "2")
    assert.strictEqual(valueOf(args, "-frame_duration"), "20")
    assert.strictEqual(valueOf(args, "-page_duration"), "20000")
    assert.strictEqual(valueOf(args, "-application"), "audio")
    // below FFmpeg's default of 10: a third less CPU per stream (FfmpegArgs.ts)
    assert.strictEqual(valueOf(args, "-compression_level"), "6")
    assert.strictEqual(valueOf(args, "-f"), "ogg")
    assert.strictEqual(valueOf(args, "-filter_threads"), "1")
    assert.strictEqual(valueOf(args, "-loglevel"), "error")
    assert.include(valueOf(args, "-af")!, "bass=")
    assert.strictEqual(args[args.length - 1], "pipe:1")
  })
  it("remuxes with stream copy and drops packets before the seek point", () => {
    const args = remuxArgs(request({ source: webm, startMs: 2000 }))
    assert.strictEqual(valueOf(args, "-c:a"), "copy")
    assert.strictEqual(valueOf(args, "-copypriorss"), "0")
    assert.notInclude(args, "-af")
  })
})

describe("crossfade", () => {
  const outgoing: Playable = { ...http, input: "https://cdn.example/out" }
  const fading = (overrides: Partial<PipelineRequest> = {}) => ({
    ...request({ source: webm, ...overrides }),
    crossfade: { source: outgoing, startMs: 178_000, ms: 2000 }
  })
  const graphOf = (args: ReadonlyArray<string>) => valueOf(args, "-filter_complex")!

  it("reads the outgoing track from a little before the fade begins, trimmed to it, then the incoming one from its start", () => {
    const args = crossfadeArgs(fading())
    const inputs = args.flatMap((a, i) => (a === "-i" ? [args[i + 1]] : []))
    assert.deepStrictEqual(inputs, ["https://cdn.example/out", "file:/music/a.webm"])
    assert.deepStrictEqual(args.filter((a, i) => args[i - 1] === "-ss"), [secondsArg(178_000 - CROSSFADE_PREROLL_MS)])
    assert.isBelow(args.indexOf("-ss"), args.indexOf("-i"), "a seek of the outgoing input")
    assert.match(graphOf(args), new RegExp(`^\\[0:a:0\\]atrim=start=${secondsArg(CROSSFADE_PREROLL_MS)},asetpts=PTS-STARTPTS,`))
    assert.strictEqual(valueOf(args, "-map"), "[mix]")
    assert.strictEqual(valueOf(args, "-c:a"), "libopus")
  })
  it("reads forward in the graph for a server without byte ranges: no -ss that the next input would take", () => {
    const args = crossfadeArgs(fading(), undefined, "read-forward")
    assert.notInclude(args, "-ss")
    assert.match(graphOf(args), /^\[0:a:0\]atrim=start=178,asetpts=PTS-STARTPTS,/)
  })
  it("fades over exactly the fade's length: the outgoing part is padded or cut to it", () => {
    const graph = graphOf(crossfadeArgs(fading()))
    assert.include(graph, "apad=whole_dur=2,atrim=duration=2[out]")
    assert.include(graph, "[out][in]acrossfade=d=2:c1=qsin:c2=qsin")
  })
  it("shapes each track, then sets the level of the mix once, limiter last", () => {
    const graph = graphOf(crossfadeArgs(fading({ effects: ["bassboost", "limiter"] })))
    const [out, incoming, mix] = graph.split(";")
    for (const input of [out!, incoming!]) {
      assert.include(input, "bass=")
      assert.notInclude(input, "volume=")
      assert.notInclude(input, "alimiter")
    }
    assert.match(mix!, /acrossfade=[^,]*,volume=0\.25,alimiter=/)
  })
  it("is always transcoded, even when nothing alters the sound", () => {
    const neutral = { referenceGain: 1, bitrate: 128_000 }
    assert.deepStrictEqual(plan(fading(), neutral), { _tag: "Transcode", args: crossfadeArgs(fading(), neutral) })
  })
})

describe("plan", () => {
  const full = { referenceGain: 1, bitrate: 128_000 }
  it("re-encodes by default: the gentle default volume is not neutral", () => {
    assert.strictEqual(plan(request({ source: webm }))._tag, "Transcode")
    assert.isFalse(isNeutral(request({ source: webm })))
  })
  it("passes Opus through when nothing alters the sound", () => {
    assert.deepStrictEqual(plan(request({ source: webm }), full), { _tag: "Passthrough", container: "webm" })
    assert.deepStrictEqual(plan(request({ source: { ...webm, codec: "ogg-opus" } }), full), {
      _tag: "Passthrough",
      container: "ogg"
    })
  })
  it("remuxes to seek in an Opus source", () => {
    assert.strictEqual(plan(request({ source: webm, startMs: 1000 }), full)._tag, "Remux")
  })
  it("re-encodes for any effect, equalizer, normalisation, other volume or unknown codec", () => {
    const gains = [...flat]
    gains[5] = 1
    for (
      const r of [
        request({ source: webm, effects: ["mono"] }),
        request({ source: webm, equalizer: gains }),
        request({ source: webm, normalize: true }),
        request({ source: webm, volume: 99 }),
        request({ source: file })
      ]
    ) assert.strictEqual(plan(r, full)._tag, "Transcode")
  })
})

describe("failure reasons", () => {
  it("names common FFmpeg failures in plain words", () => {
    assert.strictEqual(
      reasonFromStderr("[http @ 0x1] HTTP error 404 Not Found\nServer returned 404 Not Found", 1),
      "the source was not found (HTTP 404)"
    )
    assert.strictEqual(
      reasonFromStderr("file:/x.mp3: Invalid data found when processing input", 1),
      "the file could not be decoded"
    )
    assert.strictEqual(reasonFromStderr("file:/x: No such file or directory", 1), "the file does not exist")
    assert.strictEqual(reasonFromStderr("something odd", 187), "the audio process failed (exit code 187)")
  })
  it("keeps only the tail of stderr, from a line start", () => {
    const tail = appendTail("", "a".repeat(100) + "\nlast line\n", 20)
    assert.strictEqual(tail, "last line\n")
  })
})

describe("warmStart (the spare FFmpeg's input)", () => {
  it("names the file in a concat script and carries the request's own filter graph", () => {
    const start = warmStart(request({ volume: 50, effects: ["bassboost"] }))
    assert.deepStrictEqual(start, {
      script: "ffconcat version 1.0\nfile 'file:/music/a.mp3'\n",
      graph: filterGraph(request({ volume: 50, effects: ["bassboost"] }))!
    })
  })

  it("quotes a path as the concat demuxer reads it", () => {
    assert.strictEqual(
      warmStart(request({ source: { ...file, input: "/music/it's here.mp3" } }))?.script,
      "ffconcat version 1.0\nfile 'file:/music/it'\\''s here.mp3'\n"
    )
  })

  it("passes the sound unchanged when there is no graph", () => {
    assert.strictEqual(warmStart(request({ volume: 400 }), { referenceGain: 0.5, bitrate: 128_000 })?.graph, "anull")
  })

  it("is cold for a network source, a seek, a crossfade, or a path with a line break", () => {
    assert.isUndefined(warmStart(request({ source: http })))
    assert.isUndefined(warmStart(request({ startMs: 1000 })))
    assert.isUndefined(warmStart(request({ crossfade: { source: file, startMs: 1000, ms: 2000 } })))
    assert.isUndefined(warmStart(request({ source: { ...file, input: "/music/a\nfile 'x'.mp3" } })))
  })

  it("the spare's command line holds nothing of a request and opens local files only", () => {
    const args = warmArgs()
    assert.includeMembers(args, ["concat", "pipe:0", "pipe:3"])
    assert.strictEqual(args[args.indexOf("-protocol_whitelist") + 1], "pipe,file")
    assert.deepStrictEqual(args.slice(args.indexOf("-c:a")), transcodeArgs(request()).slice(transcodeArgs(request()).indexOf("-c:a")))
  })
})
