import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { UserId } from "../../schema/Ids.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { noiseBytes } from "../support/audioFixtures.ts"
import { type Handler, httpServer, resolverWith, toneMp3 } from "./helpers.ts"

/**
 * What a file link may cost, judged before FFmpeg reads a byte of it: its size, as its server
 * declares it, against MAX_TRACK_SIZE; and whether what ffprobe found is audio at all.
 */
const user = UserId.make("123456789012345678")
const tone = toneMp3()
const noise = noiseBytes()

const serving = (methods: Array<string>): Handler => (req, res) => {
  methods.push(`${req.method} ${req.url}`)
  const [body, declared] = req.url === "/huge.mp3"
    ? [Buffer.alloc(0), 2 * 1024 ** 3]
    : req.url === "/noise.mp3"
    ? [Buffer.from(noise), noise.length]
    : [tone, tone.length]
  res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(declared) })
  res.end(req.method === "HEAD" ? undefined : body)
}

describe("limits on a file link", () => {
  it.live("refuses a file its server says is larger than MAX_TRACK_SIZE, without fetching it", () => {
    const { layer } = resolverWith({ maxTrackSizeBytes: 64 * 1024 ** 2 })
    const methods: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* httpServer(serving(methods))
      const resolver = yield* Resolver
      const error = yield* Effect.flip(resolver.resolve(`${server.base}/huge.mp3`, user))
      assert.strictEqual(error.reason._tag, "Rejected")
      assert.strictEqual(error.message, "That file is 2048.0 MB; files up to 64.0 MB can be played.")
      assert.deepStrictEqual(methods, ["HEAD /huge.mp3"], "nothing but its size was asked for")
      // A file under the limit resolves as before.
      const small = yield* resolver.resolve(`${server.base}/tone.mp3`, user)
      assert.strictEqual(small.tracks[0]?.kind, "http")
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("refuses noise named .mp3, which ffprobe calls an MP3 stream of no sample rate and no channels", () => {
    const { layer } = resolverWith({})
    return Effect.gen(function*() {
      const server = yield* httpServer(serving([]))
      const error = yield* Effect.flip((yield* Resolver).resolve(`${server.base}/noise.mp3`, user))
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.strictEqual(error.message, "That file could not be read as audio.")
    }).pipe(Effect.scoped, Effect.provide(layer))
  })
})
