/**
 * Watches one @discordjs/voice connection's paths to its voice server (VoicePath.ts judges them):
 * counts the probes the library sends and the answers that come back, while the connection is
 * ready. The library itself only notices a voice WebSocket after three missed heartbeats (some
 * 40 s at Discord's interval) and never notices a UDP path that went quiet.
 */
import {
  type Networking,
  type NetworkingState,
  NetworkingStatusCode,
  type VoiceConnection,
  VoiceConnectionStatus,
  VoiceUDPSocket,
  VoiceWebSocket
} from "@discordjs/voice"
import { Effect, Schema } from "effect"
import { countReconnect, countSilence } from "./VoiceMetrics.ts"
import {
  changesOf,
  freshPath,
  owedFor,
  type PathChange,
  type PathState,
  type PathThresholds,
  stepPath,
  type VoicePathKind
} from "./VoicePath.ts"

/** Voice gateway op 6, the server's answer to a heartbeat. */
const isHeartbeatAck = Schema.is(Schema.Struct({ op: Schema.Literal(6) }))

/**
 * A number the library keeps in a private field, or undefined once a version no longer has it:
 * then that path counts no probe and is never judged, rather than judged wrongly.
 */
const privateNumber = (target: object, field: string): number | undefined => {
  const value: unknown = Reflect.get(target, field)
  return typeof value === "number" ? value : undefined
}

export interface PathEvent {
  readonly path: VoicePathKind
  readonly change: PathChange
  /** How long an answer had been owed when the change was seen (for "recovered": until it came). */
  readonly owedMs: number
}

interface Counts {
  sent: number
  answered: number
}

const zero = (): Counts => ({ sent: 0, answered: 0 })

/**
 * One connection's watch. It follows each networking the connection makes from its start, so the
 * keepalive sent as the UDP socket opens is counted, with its echo: a server that echoes is known
 * as one from the first second, not five seconds later.
 */
export class VoicePathWatch {
  #networking: Networking | null = null
  #udp: VoiceUDPSocket | null = null
  #ws: VoiceWebSocket | null = null
  /** The keepalive counter and the time of the latest heartbeat, as last seen: a change is a probe sent. */
  #keepalive: number | undefined
  #heartbeat: number | undefined
  readonly #counts: Record<VoicePathKind, Counts> = { udp: zero(), ws: zero() }
  #paths: Record<VoicePathKind, PathState> = { udp: freshPath(zero()), ws: freshPath(zero()) }
  // A deafened bot is sent nothing but keepalive echoes once connected: any datagram is an answer.
  readonly #onDatagram = () => void this.#counts.udp.answered++
  readonly #onPacket = (packet: unknown) => {
    if (isHeartbeatAck(packet)) this.#counts.ws.answered++
  }
  readonly #onNetworkingState = (_: NetworkingState, next: NetworkingState) => this.#attach(next)

  /** Starts on the connection's networking, if it is a new one (a join, a reconnect, another server). */
  follow(networking: Networking): void {
    if (networking === this.#networking) return
    this.dispose()
    this.#networking = networking.on("stateChange", this.#onNetworkingState)
    this.#counts.udp = zero()
    this.#counts.ws = zero()
    this.#paths = { udp: freshPath(zero()), ws: freshPath(zero()) }
    this.#attach(networking.state)
  }

  /** Looks at the connection at `now` (ms); the changes since the last look, if it is ready. */
  check(connection: VoiceConnection, now: number, thresholds: PathThresholds): ReadonlyArray<PathEvent> {
    const { state } = connection
    if (state.status !== VoiceConnectionStatus.Ready) return []
    this.follow(state.networking)
    const net = state.networking.state
    // While it resumes, answers still owed stay owed: the new WebSocket carries on the same path.
    if (net.code !== NetworkingStatusCode.Ready) return []
    this.#attach(net)
    const keepalive = privateNumber(net.udp, "keepAliveCounter")
    if (keepalive !== undefined && keepalive !== this.#keepalive) this.#counts.udp.sent++
    this.#keepalive = keepalive
    const heartbeat = privateNumber(net.ws, "lastHeartbeatSend")
    // 0 until the first heartbeat of a new WebSocket.
    if (heartbeat !== undefined && heartbeat !== 0 && heartbeat !== this.#heartbeat) this.#counts.ws.sent++
    this.#heartbeat = heartbeat
    const before = this.#paths
    const after = {
      udp: stepPath(before.udp, this.#counts.udp, now, thresholds),
      ws: stepPath(before.ws, this.#counts.ws, now, thresholds)
    }
    this.#paths = after
    return (["udp", "ws"] as const).flatMap((path) =>
      changesOf(before[path].health, after[path].health).map((change) => ({
        path,
        change,
        owedMs: change === "recovered" ? owedFor(before[path], now) : owedFor(after[path], now)
      }))
    )
  }

  /** Stops listening to the library's networking and sockets. */
  dispose(): void {
    this.#networking?.off("stateChange", this.#onNetworkingState)
    this.#udp?.off("message", this.#onDatagram)
    this.#ws?.off("packet", this.#onPacket)
    this.#networking = null
    this.#udp = null
    this.#ws = null
  }

  /** Listens to the sockets of a networking state, where they are new. */
  #attach(state: NetworkingState): void {
    const udp: unknown = Reflect.get(state, "udp")
    const ws: unknown = Reflect.get(state, "ws")
    if (udp instanceof VoiceUDPSocket && udp !== this.#udp) {
      this.#udp?.off("message", this.#onDatagram)
      this.#udp = udp.on("message", this.#onDatagram)
      this.#keepalive = privateNumber(udp, "keepAliveCounter")
    }
    if (ws instanceof VoiceWebSocket && ws !== this.#ws) {
      this.#ws?.off("packet", this.#onPacket)
      this.#ws = ws.on("packet", this.#onPacket)
      this.#heartbeat = privateNumber(ws, "lastHeartbeatSend")
    }
  }
}

/**
 * Makes the connection again in the same channel: Discord is asked to rejoin it (it may answer
 * with another voice server) and, without waiting for that, a new WebSocket and UDP socket go to
 * the current one. It is then Connecting, under the watchdog of any reconnect, and the player
 * pauses until it is ready; the track goes on from there (what was sent into the silence is lost).
 */
const reconnect = (connection: VoiceConnection): void => {
  const { channelId, selfDeaf, selfMute } = connection.joinConfig
  if (channelId === null) return
  connection.rejoin({ channelId, selfDeaf, selfMute })
  connection.configureNetworking()
}

/** Logs and counts a change of a connection's paths, and reconnects it when one died. */
export const reportPathEvent = (connection: VoiceConnection, { path, change, owedMs }: PathEvent): Effect.Effect<void> => {
  const fields = { path, unansweredMs: Math.round(owedMs) }
  switch (change) {
    case "silent":
      return Effect.logWarning("voice server stopped answering", fields).pipe(Effect.andThen(countSilence(path)))
    case "recovered":
      return Effect.logInfo("voice server answers again", fields)
    case "dead":
      // Both paths may die in the same look: the first one reconnects.
      return Effect.suspend(() =>
        connection.state.status !== VoiceConnectionStatus.Ready
          ? Effect.void
          : Effect.logWarning("voice server not answering: reconnecting", fields).pipe(
            Effect.andThen(countReconnect(path)),
            Effect.andThen(Effect.sync(() => reconnect(connection)))
          )
      )
  }
}
