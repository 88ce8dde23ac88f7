import { assert, describe, it } from "vitest"
import { isLeave } from "../fake-discord/FakeDiscord.ts"
import { analyse } from "../fake-discord/ReceivedAudio.ts"
import { blockHarness, command, eventually, ids } from "./harness.ts"

/**
 * A voice server that stops answering while a song plays: first its UDP path goes dark, then its
 * voice WebSocket stops acknowledging heartbeats. Either way the bot says so, counts it, makes the
 * connection again in the same channel, and the song goes on.
 */
describe("Reprise against the fake Discord: a voice server that stops answering", () => {
  const h = blockHarness({
    // Heartbeats every second, so that withheld ACKs show within the test.
    fake: { voiceHeartbeatIntervalMs: 1000 },
    // Below the default 8 s for a shorter test, still above the library's 5 s between keepalives.
    env: { DISCORD_GUILD_ID: ids.guild, VOICE_PATH_TIMEOUT: "6 seconds" },
    tones: { "/a440.ogg": [440, 60] }
  })

  const counter = async (name: string, path: string): Promise<number> => {
    const metrics = await (await fetch(`${h.http}/metrics`)).text()
    const line = new RegExp(`^reprise_${name}\\{[^}]*path="${path}"[^}]*\\} (\\d+)`, "m").exec(metrics)
    return Number(line?.[1] ?? 0)
  }
  const counters = async (path: string) => ({
    silences: await counter("voice_path_silences_total", path),
    reconnects: await counter("voice_path_reconnects_total", path)
  })
  const position = async () => {
    const np = await command(h.fake, ids.alice, "nowplaying", {}, /a440/)
    const [m = "0", s = "0"] = /(\d+):(\d\d) /.exec(np.text)?.slice(1) ?? []
    return Number(m) * 60 + Number(s)
  }
  /** The bot's log lines since `from` (a length of its output) that mention the path. */
  const logLines = (from: number, path: string) =>
    h.bot.output().slice(from).split("\n").filter((line) => line.includes(`"path":"${path}"`))

  /**
   * With `fault` on, waits for the bot to warn about `path` and to rejoin the channel (gateway op 4),
   * then lifts it; resolves with when it was lifted, once audio flows on a new voice session.
   */
  const faultUntilRejoined = async (path: string, fault: () => () => void) => {
    const { fake } = h
    const sessions = fake.voiceSessions.length
    const output = h.bot.output().length
    const since = performance.now()
    const lift = fault()
    try {
      await h.bot.waitForOutput(new RegExp(`voice server stopped answering[^\\n]*"path":"${path}"`), 15_000)
      await fake.waitForGatewayOp(4, (op) => op.at > since && !isLeave(op.d), 15_000)
    } finally {
      lift()
    }
    const liftedAt = performance.now()
    await eventually(() => fake.voiceSessions.length > sessions, "a new voice session", 10_000)
    await fake.waitForRtp(ids.guild, 50, 10_000)
    return { liftedAt, lines: logLines(output, path) }
  }

  it("notices its UDP path gone dark mid-song, reconnects, and the song goes on once it is back", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await fake.waitForRtp(ids.guild, 25, 15_000)
    const before = await counters("udp")
    const at = await position()
    const { liftedAt, lines } = await faultUntilRejoined("udp", () => fake.failVoiceUdp(ids.guild))

    assert.isNotEmpty(fake.udp.dropped, "the fault dropped the bot's datagrams")
    const warning = lines.find((line) => line.includes("voice server stopped answering"))
    assert.include(warning, ids.guild, "the warning names the guild")
    assert.match(warning ?? "", /"level":"WARN"/)
    assert.isTrue(lines.some((line) => line.includes("reconnecting")), "says it reconnects")
    const after = await counters("udp")
    assert.strictEqual(after.silences, before.silences + 1)
    assert.strictEqual(after.reconnects, before.reconnects + 1)

    assert.strictEqual(fake.voiceChannelOf(ids.guild), ids.music, "the same channel")
    const audio = analyse(h.stream(), liftedAt)
    assert.strictEqual(audio.decryptFailures, 0)
    assert.approximately(audio.frequency(), 440, 5)
    // The song went on from where it was: neither restarted nor ended.
    assert.isAtLeast(await position(), at)
  }, 45_000)

  it("notices voice heartbeats unanswered, reconnects, and the song goes on once they are", async () => {
    const { fake } = h
    await fake.waitForRtp(ids.guild, 25, 10_000)
    const before = await counters("ws")
    const at = await position()
    const { liftedAt, lines } = await faultUntilRejoined("ws", () => fake.withholdVoiceAcks(ids.guild))

    assert.include(lines.find((line) => line.includes("voice server stopped answering")), ids.guild)
    const after = await counters("ws")
    assert.strictEqual(after.silences, before.silences + 1)
    assert.strictEqual(after.reconnects, before.reconnects + 1)
    assert.approximately(analyse(h.stream(), liftedAt).frequency(), 440, 5)
    assert.isAtLeast(await position(), at)
  }, 45_000)
})
