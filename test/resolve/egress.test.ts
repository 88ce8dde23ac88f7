/**
 * The findings of the private-network guard's bypass, each against the whole resolver with the
 * real ffprobe, yt-dlp and FFmpeg, on the two networks of test/support/networks.ts: a server that
 * answers HEAD but redirects the GET, one honest when resolved and hostile when played, an HLS
 * playlist of private segments, a page that redirects yt-dlp inside. Nothing private is reached.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Stream } from "effect"
import type { ServerResponse } from "node:http"
import { AudioPipeline } from "../../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { EgressProxy } from "../../src/resilience/EgressProxy.ts"
import type { TrackInfo } from "../../src/resolve/Resolution.ts"
import type { ResolveError } from "../../src/resolve/ResolveError.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { UserId } from "../../schema/Ids.ts"
import { pipelineRequest } from "../support/audioPipeline.ts"
import { answering, headOnlyHonest, private2, serve } from "../support/networks.ts"
import { settings, toneMp3 } from "./helpers.ts"

const mp3 = toneMp3()
const sendMp3 = (res: ServerResponse) => res.writeHead(200, { "content-type": "audio/mpeg", "content-length": mp3.length }).end(mp3)
const requester = UserId.make("100000000000000001")

/** The resolver as the bot builds it, the private network refused, and FFmpeg on the same egress proxy. */
const bot = Layer.provideMerge(
  Layer.unwrap(Effect.gen(function*() {
    return FfmpegPipeline.layer({ httpProxy: (yield* EgressProxy).url })
  })),
  Resolver.layer(settings({ allowPrivateNetwork: false, retry: { times: 0 } }), {
    lookup: answering(["127.0.0.1"]).lookup,
    isPrivate: private2
  })
).pipe(Layer.provide(NodeServices.layer))

const messageOf = <A>(exit: Exit.Exit<A, ResolveError>): string =>
  Exit.isFailure(exit) ? exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error.message : String(r))).join() : "resolved"

/** Plays a track to its end: how many packets came, or the pipeline's reason. */
const playTrack = (track: TrackInfo) =>
  Effect.gen(function*() {
    const source = yield* Resolver.use((r) => r.playable(track))
    return yield* AudioPipeline.use((p) => Stream.runCount(p.open(pipelineRequest(source)))).pipe(
      Effect.mapError((e) => e.reason),
      Effect.exit
    )
  })

describe("no request forgery through the helpers", () => {
  it.live("a server that answers HEAD 200 but redirects the GET inside is refused at resolution", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      const outside = yield* serve("127.0.0.1", headOnlyHonest(mp3, `${inside.base}/secret.mp3`))
      const exit = yield* Effect.exit(Resolver.use((r) => r.resolve(`${outside.base}/song.mp3`, requester)))
      assert.match(messageOf(exit), /refused \(HTTP 403\).*private address/)
      assert.include(outside.paths, "/song.mp3", "the HEAD and the GET reached the public server")
      assert.strictEqual(inside.connections(), 0)
    }).pipe(Effect.provide(bot)))

  it.live("a server honest when the track is resolved and hostile when it plays: FFmpeg gets nothing from inside", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      let hostile = false
      const outside = yield* serve("127.0.0.1", (_, res) =>
        hostile ? res.writeHead(302, { location: `${inside.base}/secret.mp3` }).end() : sendMp3(res))
      const location = `${outside.base}/song.mp3`
      const resolved = yield* Resolver.use((r) => r.resolve(location, requester))
      assert.lengthOf(resolved.tracks, 1)
      hostile = true
      const played = yield* playTrack(resolved.tracks[0]!)
      assert.deepStrictEqual(played, Exit.fail("the source refused access (HTTP 403); its link may have expired"))
      assert.strictEqual(inside.connections(), 0)
    }).pipe(Effect.provide(bot)))

  it.live("an HLS playlist of private segments: ffprobe fetches none of them", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      const playlist = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", "#EXTINF:1,", `${inside.base}/seg0.mp3`, "#EXT-X-ENDLIST", ""].join("\n")
      const outside = yield* serve("127.0.0.1", (_, res) =>
        res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl" }).end(playlist))
      const location = `${outside.base}/live.m3u8`
      const resolved = yield* Effect.exit(Resolver.use((r) => r.resolve(location, requester)))
      assert.isTrue(Exit.isFailure(resolved), "nothing to play once the segments are refused")
      assert.isAtLeast(outside.paths.length, 2, "the playlist was asked for and read")
      assert.strictEqual(inside.connections(), 0)
    }).pipe(Effect.provide(bot)))

  it.live("a page that redirects yt-dlp inside: the private page is not fetched, its title not shown", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) =>
        res.writeHead(200, { "content-type": "text/html" })
          .end(`<html><head><title>Secret intranet page</title></head><body><audio src="/secret.mp3"></audio></body></html>`))
      const outside = yield* serve("127.0.0.1", (_, res) => res.writeHead(302, { location: `${inside.base}/wiki` }).end())
      const exit = yield* Effect.exit(Resolver.use((r) => r.resolve(`${outside.base}/watch`, requester)))
      const message = messageOf(exit)
      assert.match(message, /private, loopback, link-local or metadata addresses are refused/)
      assert.notInclude(message, "Secret")
      assert.include(outside.paths, "/watch")
      assert.strictEqual(inside.connections(), 0)
    }).pipe(Effect.provide(bot)))
})
