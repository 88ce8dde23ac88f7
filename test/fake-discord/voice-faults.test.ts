import { createSocket, type Socket } from "node:dgram"
import { readFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { WebSocket } from "ws"
import { FakeDiscord, type FakeDiscordEndpoints } from "./FakeDiscord.ts"
import { Journal } from "./Journal.ts"
import { defaultScenario } from "./Scenario.ts"

interface Frame {
  readonly op: number
  readonly t?: string | null
  readonly d: Record<string, unknown> | null
}

const { scenario, ids } = defaultScenario()

const frames = (socket: WebSocket) => {
  const journal = new Journal<Frame>("frames", (f) => `op ${f.op} ${f.t ?? ""}`)
  socket.on("message", (raw) => journal.push(JSON.parse(raw.toString()) as Frame))
  return journal
}

const opened = (socket: WebSocket) => new Promise((resolve) => socket.once("open", resolve))

/** A datagram's arrival within `ms`, or null. */
const received = (udp: Socket, ms = 300) =>
  new Promise<Buffer | null>((resolve) => {
    const timer = setTimeout(() => {
      udp.off("message", onMessage)
      resolve(null)
    }, ms)
    const onMessage = (message: Buffer) => {
      clearTimeout(timer)
      udp.off("message", onMessage)
      resolve(message)
    }
    udp.on("message", onMessage)
  })

/** The fake's voice faults, seen by a bare client: a gateway join, a voice WebSocket and a UDP socket. */
describe("FakeDiscord voice faults", () => {
  const fake = new FakeDiscord({ scenario })
  let endpoints: FakeDiscordEndpoints
  let voice: WebSocket
  let voiceFrames: Journal<Frame>
  let ssrc = 0
  const udp = createSocket("udp4")
  const send = (bytes: Buffer) => udp.send(bytes, endpoints.udpPort, "127.0.0.1")
  const discovery = () => {
    const bytes = Buffer.alloc(74)
    bytes.writeUInt16BE(1, 0)
    bytes.writeUInt16BE(70, 2)
    bytes.writeUInt32BE(ssrc, 4)
    return bytes
  }
  const keepalive = (n: number) => {
    const bytes = Buffer.alloc(8)
    bytes.writeUInt32LE(n, 0)
    return bytes
  }
  const rtp = () => {
    const bytes = Buffer.alloc(40)
    bytes[0] = 0x80
    bytes.writeUInt32BE(ssrc, 8)
    return bytes
  }

  beforeAll(async () => {
    endpoints = await fake.start()
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve))
    const gateway = new WebSocket(`${endpoints.gatewayUrl}?v=10&encoding=json`)
    const gatewayFrames = frames(gateway)
    await opened(gateway)
    gateway.send(JSON.stringify({ op: 2, d: { token: fake.world.token, intents: 129 } }))
    const ready = await gatewayFrames.waitFor((f) => f.t === "READY", "READY")
    gateway.send(JSON.stringify({ op: 4, d: { guild_id: ids.guild, channel_id: ids.music, self_deaf: true } }))
    const server = await gatewayFrames.waitFor((f) => f.t === "VOICE_SERVER_UPDATE", "VOICE_SERVER_UPDATE")
    voice = new WebSocket(`wss://${endpoints.voiceEndpoint}`, { ca: readFileSync(endpoints.env.NODE_EXTRA_CA_CERTS!) })
    voiceFrames = frames(voice)
    await opened(voice)
    voice.send(JSON.stringify({
      op: 0,
      d: { server_id: ids.guild, user_id: scenario.bot.id, session_id: ready.d?.["session_id"], token: server.d?.["token"] }
    }))
    ssrc = Number((await voiceFrames.waitFor((f) => f.op === 2, "voice Ready")).d?.["ssrc"])
    gateway.close()
  })
  afterAll(async () => {
    voice.close()
    udp.close()
    await fake.stop()
  })

  it("echoes keepalives; stops echoing them, or drops every datagram unseen, while a fault lasts", async () => {
    send(discovery())
    assert.strictEqual((await received(udp))?.readUInt16BE(0), 2, "discovery answered")
    send(keepalive(1))
    assert.deepStrictEqual(await received(udp), keepalive(1), "keepalive echoed")

    const liftKeepalives = fake.failVoiceUdp(ids.guild, "keepalives")
    send(keepalive(2))
    assert.isNull(await received(udp), "keepalive not echoed")
    send(rtp())
    await fake.waitForRtp(ids.guild, 1, 1_000)
    liftKeepalives()

    const liftAll = fake.failVoiceUdp(ids.guild)
    const dropped = fake.udp.dropped.length
    send(keepalive(3))
    assert.isNull(await received(udp), "nothing answered")
    send(discovery())
    assert.isNull(await received(udp), "not even discovery")
    send(rtp())
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.strictEqual(fake.udp.dropped.length, dropped + 3)
    assert.lengthOf(fake.udp.rtp.items, 1, "the dropped RTP packet is not recorded")
    liftAll()

    send(keepalive(4))
    assert.deepStrictEqual(await received(udp), keepalive(4), "echoed again once lifted")
  })

  it("withholds voice heartbeat ACKs until lifted", async () => {
    const beat = (t: number) => voice.send(JSON.stringify({ op: 3, d: { t, seq_ack: -1 } }))
    beat(1)
    await voiceFrames.waitFor((f) => f.op === 6 && f.d?.["t"] === 1, "ACK 1", 1_000)
    const lift = fake.withholdVoiceAcks(ids.guild)
    beat(2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.isFalse(voiceFrames.items.some((f) => f.op === 6 && f.d?.["t"] === 2), "no ACK while withheld")
    lift()
    beat(3)
    await voiceFrames.waitFor((f) => f.op === 6 && f.d?.["t"] === 3, "ACK 3", 1_000)
  })
})
