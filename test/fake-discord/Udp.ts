import { createSocket, type RemoteInfo } from "node:dgram"
import { performance } from "node:perf_hooks"
import { Journal } from "./Journal.ts"

export interface RtpPacket {
  /** `performance.now()` on arrival, for pacing. */
  readonly at: number
  readonly ssrc: number
  readonly bytes: Buffer
}

export interface UdpRecord {
  readonly at: number
  readonly from: string
}

/** A fault of a guild's voice UDP: every datagram dropped unseen ("all"), or keepalives not echoed. */
export type UdpFault = "all" | "keepalives"

/**
 * The voice media socket. It only files datagrams by kind: decrypting here would disturb the timing
 * being measured, so that happens after the run. Keepalives are echoed, as the voice servers that
 * answer them do.
 */
export class Udp {
  readonly #socket = createSocket("udp4")
  /** The guild of an SSRC (of a voice session), for faults by guild. */
  readonly #guildOf: (ssrc: number) => string | undefined
  /** Each client address's SSRC, from its IP discovery: keepalives carry none. */
  readonly #ssrcOf = new Map<string, number>()
  readonly #faults = new Map<string, UdpFault>()
  /** Every RTP packet, in arrival order. */
  readonly rtp = new Journal<RtpPacket>("RTP packets", (p) => `ssrc ${p.ssrc} ${p.bytes.length} bytes`)
  readonly keepalives: Array<UdpRecord> = []
  readonly discoveries: Array<UdpRecord & { readonly ssrc: number }> = []
  readonly unknown: Array<UdpRecord> = []
  /** Datagrams a fault dropped. */
  readonly dropped: Array<UdpRecord> = []

  constructor(guildOf: (ssrc: number) => string | undefined = () => undefined) {
    this.#guildOf = guildOf
  }

  /** Until the returned function is called, the guild's datagrams (its sessions' now and later) suffer `fault`. */
  fail(guildId: string, fault: UdpFault): () => void {
    this.#faults.set(guildId, fault)
    return () => {
      if (this.#faults.get(guildId) === fault) this.#faults.delete(guildId)
    }
  }

  async start(): Promise<number> {
    this.#socket.on("message", (message, remote) => this.#receive(message, remote))
    await new Promise<void>((resolve) => this.#socket.bind(0, "127.0.0.1", resolve))
    // The default buffer (~200 KB, a few hundred datagrams) overflows whenever this process is
    // descheduled for a fraction of a second with dozens of streams coming in: the audio would be
    // lost here, not by the bot. The kernel caps it at net.core.rmem_max.
    this.#socket.setRecvBufferSize(4 * 1024 * 1024)
    return this.#socket.address().port
  }

  close(): void {
    this.#socket.close()
  }

  #receive(message: Buffer, remote: RemoteInfo): void {
    const at = performance.now()
    const from = `${remote.address}:${remote.port}`
    const discovery = message.length === 74 && message.readUInt16BE(0) === 1
    const rtp = !discovery && message.length >= 12 && (message[0] ?? 0) >> 6 === 2
    const ssrc = discovery ? message.readUInt32BE(4) : rtp ? message.readUInt32BE(8) : this.#ssrcOf.get(from)
    const guildId = ssrc === undefined ? undefined : this.#guildOf(ssrc)
    const fault = guildId === undefined ? undefined : this.#faults.get(guildId)
    if (fault === "all") {
      this.dropped.push({ at, from })
    } else if (discovery) {
      this.discoveries.push({ at, from, ssrc: message.readUInt32BE(4) })
      this.#ssrcOf.set(from, message.readUInt32BE(4))
      this.#socket.send(discoveryReply(message.readUInt32BE(4), remote), remote.port, remote.address)
    } else if (message.length === 8) {
      this.keepalives.push({ at, from })
      if (fault !== "keepalives") this.#socket.send(message, remote.port, remote.address)
    } else if (rtp) {
      this.rtp.push({ at, ssrc: message.readUInt32BE(8), bytes: message })
    } else {
      this.unknown.push({ at, from })
    }
  }
}

/** Tells the client the address and port it is seen from (type 2, NUL-terminated IPv4 text at offset 8). */
const discoveryReply = (ssrc: number, remote: RemoteInfo): Buffer => {
  const reply = Buffer.alloc(74)
  reply.writeUInt16BE(2, 0)
  reply.writeUInt16BE(70, 2)
  reply.writeUInt32BE(ssrc, 4)
  reply.write(remote.address, 8, "ascii")
  reply.writeUInt16BE(remote.port, 72)
  return reply
}
