/**
 * Voice through @discordjs/voice: one VoiceConnection and one AudioPlayer per guild. Joining
 * goes through the guild's adapter from discord.js; DAVE stays at the library default.
 * The connection is watched so that it reconnects when it drops, follows when moved, stops
 * cleanly when kicked, and leaves after a while when nobody else is in the channel.
 */
import {
  type AudioPlayer,
  AudioPlayerError,
  type AudioPlayerState,
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  joinVoiceChannel,
  NoSubscriberBehavior,
  StreamType,
  type VoiceConnection,
  VoiceConnectionDisconnectReason,
  type VoiceConnectionState,
  VoiceConnectionStatus
} from "@discordjs/voice"
import { Events, type VoiceState } from "discord.js"
import {
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberMap,
  FiberSet,
  Layer,
  PubSub,
  Schema,
  type Scope,
  Stream
} from "effect"
import { GuildId } from "../../schema/Ids.ts"
import type { OpusPacket } from "../audio/AudioPipeline.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { DiscordClient } from "../discord/DiscordClient.ts"
import { PacketReadable } from "./PacketReadable.ts"
import { VoiceError, VoiceOutput } from "./VoiceOutput.ts"

/** Why the bot left a voice channel without being asked to. */
export const VoiceLeaveReason = Schema.Literals(["kicked", "alone", "lost"])
export type VoiceLeaveReason = typeof VoiceLeaveReason.Type

/** The bot is no longer in voice in this guild; whoever owns the guild's playback should stop it. */
export class VoiceLeft extends Schema.TaggedClass<VoiceLeft>()("VoiceLeft", {
  guildId: GuildId,
  reason: VoiceLeaveReason
}) {}

export interface DiscordVoiceOptions {
  /** How long to stay in a channel nobody else is in. */
  readonly aloneTimeout: Duration.Input
  /** How long a join (or a reconnect after a drop) may take before it is given up. Default 15 s. */
  readonly connectTimeout?: Duration.Input | undefined
  /** After a 4014 close, how long to wait for the move that may follow before treating it as a kick. Default 5 s. */
  readonly moveGrace?: Duration.Input | undefined
}

interface Session {
  readonly guildId: GuildId
  readonly connection: VoiceConnection
  readonly player: AudioPlayer
  /** Set when the session is being ended on purpose: the Destroyed handler reports it (or not) by this. */
  ending: VoiceLeaveReason | "requested" | null
  /** Whether it was Ready once: reconnect watchdogs only apply after the first join succeeded. */
  established: boolean
}

const logsOf = (guildId: GuildId) => Effect.annotateLogs({ guildId })

const isReconnecting = (status: VoiceConnectionStatus) =>
  status === VoiceConnectionStatus.Signalling || status === VoiceConnectionStatus.Connecting

const make = Effect.fnUntraced(function*(options: DiscordVoiceOptions) {
  const { client } = yield* DiscordClient
  const connectTimeout = Duration.fromInputUnsafe(options.connectTimeout ?? "15 seconds")
  const moveGrace = Duration.toMillis(Duration.fromInputUnsafe(options.moveGrace ?? "5 seconds"))
  const aloneTimeout = Duration.fromInputUnsafe(options.aloneTimeout)
  const sessions = new Map<GuildId, Session>()
  const left = yield* PubSub.unbounded<VoiceLeft>()
  const aloneTimers = yield* FiberMap.make<GuildId>()
  // discord.js and @discordjs/voice call back from outside Effect; their work runs here, in this layer's scope.
  const runFork = yield* FiberSet.makeRuntime<never>()

  const end = (session: Session, reason: Session["ending"]) => {
    if (session.ending === null) session.ending = reason
    if (session.connection.state.status !== VoiceConnectionStatus.Destroyed) session.connection.destroy()
  }

  const onDestroyed = (session: Session) => {
    if (sessions.get(session.guildId) === session) sessions.delete(session.guildId)
    // Ends a play() in progress: its resource goes idle and it reports why.
    session.player.stop(true)
    runFork(FiberMap.remove(aloneTimers, session.guildId))
    const reason = session.ending ?? "lost"
    if (reason !== "requested") {
      runFork(
        Effect.logInfo("left voice", { reason }).pipe(
          Effect.andThen(PubSub.publish(left, new VoiceLeft({ guildId: session.guildId, reason }))),
          Effect.annotateLogs({ guildId: session.guildId })
        )
      )
    }
  }

  /** Gives a reconnect `timeout` ms to reach `status`; otherwise the session ends with `reason`. */
  const expect = (
    session: Session,
    targets: ReadonlyArray<VoiceConnectionStatus>,
    timeout: number,
    reason: VoiceLeaveReason
  ) => {
    Promise.any(targets.map((s) => entersState(session.connection, s, timeout))).catch(() => {
      if (session.connection.state.status !== VoiceConnectionStatus.Destroyed) end(session, reason)
    })
  }

  const watch = (session: Session) => {
    const { connection, player, guildId } = session
    connection.on("error", (error) =>
      runFork(Effect.logWarning("voice connection error", { error: error.message }).pipe(logsOf(guildId)))
    )
    player.on("error", (error: AudioPlayerError) =>
      runFork(Effect.logWarning("audio player error", { error: error.message }).pipe(logsOf(guildId)))
    )
    connection.on("stateChange", (from: VoiceConnectionState, to: VoiceConnectionState) => {
      if (from.status === to.status) return
      runFork(Effect.logDebug("voice connection", { from: from.status, to: to.status }).pipe(logsOf(guildId)))
      if (to.status === VoiceConnectionStatus.Ready) {
        session.established = true
        runFork(checkAlone(guildId))
      } else if (to.status === VoiceConnectionStatus.Destroyed) {
        onDestroyed(session)
      } else if (session.ending === null && session.established) {
        if (to.status === VoiceConnectionStatus.Disconnected) {
          // 4014 is both "moved" and "kicked": a move brings new voice state and server within moments.
          const kicked = to.reason === VoiceConnectionDisconnectReason.WebSocketClose && to.closeCode === 4014
          const moving = [VoiceConnectionStatus.Signalling, VoiceConnectionStatus.Connecting]
          expect(session, moving, moveGrace, kicked ? "kicked" : "lost")
        } else if (isReconnecting(to.status) && !isReconnecting(from.status)) {
          expect(session, [VoiceConnectionStatus.Ready], Duration.toMillis(connectTimeout), "lost")
        }
      }
    })
  }

  const humansWithBot = (guildId: GuildId): number | null => {
    const session = sessions.get(guildId)
    const channelId = session?.connection.joinConfig.channelId
    if (session === undefined || channelId == null) return null
    const channel = client.guilds.cache.get(guildId)?.channels.cache.get(channelId)
    if (channel === undefined || !channel.isVoiceBased()) return null
    return channel.members.filter((member) => !member.user.bot).size
  }

  const checkAlone = (guildId: GuildId): Effect.Effect<void> =>
    Effect.suspend(() => {
      const humans = humansWithBot(guildId)
      if (humans === null || humans > 0) return FiberMap.remove(aloneTimers, guildId)
      return FiberMap.run(
        aloneTimers,
        guildId,
        Effect.sleep(aloneTimeout).pipe(
          Effect.andThen(Effect.sync(() => {
            const session = sessions.get(guildId)
            if (session !== undefined && humansWithBot(guildId) === 0) end(session, "alone")
          }))
        ),
        { onlyIfMissing: true }
      ).pipe(Effect.asVoid)
    })

  const onVoiceState = (before: VoiceState, after: VoiceState) => {
    const guildId = GuildId.make(after.guild.id)
    const session = sessions.get(guildId)
    if (session === undefined) return
    // Kicked: Discord says the bot is in no channel although we did not ask to leave.
    if (after.id === client.user?.id && before.channelId !== null && after.channelId === null) {
      if (session.ending === null) end(session, "kicked")
      return
    }
    runFork(checkAlone(guildId))
  }
  client.on(Events.VoiceStateUpdate, onVoiceState)
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      client.off(Events.VoiceStateUpdate, onVoiceState)
      for (const session of sessions.values()) end(session, "requested")
    })
  )

  const join = Effect.fn("DiscordVoice.join")(function*(guildId: GuildId, channelId: string) {
    yield* Effect.annotateCurrentSpan({ "guild.id": guildId, "channel.id": channelId })
    const guild = client.guilds.cache.get(guildId)
    if (guild === undefined) return yield* new VoiceError({ reason: "the server is not available right now" })
    let session = sessions.get(guildId)
    const connected = session?.connection.state.status === VoiceConnectionStatus.Ready
    if (session !== undefined && connected && session.connection.joinConfig.channelId === channelId) return
    if (session === undefined) {
      const connection = joinVoiceChannel({
        guildId,
        channelId,
        adapterCreator: guild.voiceAdapterCreator,
        selfDeaf: true,
        selfMute: false
      })
      // A player with no ready connection pauses instead of reading: nothing is lost while reconnecting.
      // Missed frames (the source stalls) send silence; only a long stall stops it.
      const player = createAudioPlayer({
        behaviors: { noSubscriber: NoSubscriberBehavior.Pause, maxMissedFrames: 250 }
      })
      session = { guildId, connection, player, ending: null, established: false }
      sessions.set(guildId, session)
      watch(session)
      connection.subscribe(player)
    } else {
      session.connection.rejoin({ channelId, selfDeaf: true, selfMute: false })
    }
    const current = session
    yield* Effect.tryPromise({
      try: (signal) => entersState(current.connection, VoiceConnectionStatus.Ready, signal),
      catch: () => new VoiceError({ reason: "I could not connect to the voice channel" })
    }).pipe(
      Effect.timeoutOrElse({
        duration: connectTimeout,
        orElse: () => Effect.fail(new VoiceError({ reason: "connecting to the voice channel took too long" }))
      }),
      Effect.tapError(() => Effect.sync(() => end(current, "requested")))
    )
    yield* checkAlone(guildId)
  })

  const leave = Effect.fn("DiscordVoice.leave")(function*(guildId: GuildId) {
    yield* Effect.annotateCurrentSpan({ "guild.id": guildId })
    const session = sessions.get(guildId)
    if (session !== undefined) end(session, "requested")
  })

  const play = <E>(guildId: GuildId, packets: Stream.Stream<OpusPacket, E>): Effect.Effect<void, E | VoiceError> =>
    Effect.gen(function*() {
      const session = sessions.get(guildId)
      if (session === undefined) return yield* new VoiceError({ reason: "not connected to a voice channel" })
      const { player } = session
      const readable = new PacketReadable()
      const started = yield* Deferred.make<boolean>()
      const done = yield* Deferred.make<void, E | VoiceError>()
      let fed = false
      yield* packets.pipe(
        Stream.runForEach((packet) =>
          // Completing an already completed Deferred does nothing: only the first packet signals.
          readable.offer(packet).pipe(Effect.andThen(Deferred.succeed(started, true)))
        ),
        Effect.matchCauseEffect({
          onSuccess: () =>
            Effect.sync(() => {
              fed = true
              readable.endOfStream()
            }).pipe(Effect.andThen(Deferred.succeed(started, false))),
          onFailure: (cause) => Deferred.failCause(done, cause)
        }),
        Effect.forkScoped
      )
      // The resource is created once a packet is buffered, so the player goes from Buffering to
      // Playing before its next 20 ms cycle: a change of track or pipeline leaves no gap.
      const hasAudio = yield* Effect.raceFirst(Deferred.await(started), Effect.as(Deferred.await(done), false))
      if (!hasAudio) return yield* Deferred.await(done).pipe(Effect.when(Deferred.isDone(done)), Effect.asVoid)

      const resource = createAudioResource(readable, { inputType: StreamType.Opus })
      const onState = (from: AudioPlayerState, to: AudioPlayerState) => {
        if (from.status === AudioPlayerStatus.Idle || from.resource !== resource) return
        if (to.status !== AudioPlayerStatus.Idle && to.resource === resource) return
        const gone = session.connection.state.status === VoiceConnectionStatus.Destroyed
        // Not fed to the end: the connection went away, or the source stalled past maxMissedFrames.
        const reason = gone ? "playback stopped: the voice connection ended" : "playback stopped: the audio stalled"
        Deferred.doneUnsafe(done, fed ? Exit.void : Exit.fail(new VoiceError({ reason })))
      }
      const onError = (error: AudioPlayerError) => {
        if (error.resource === resource) {
          Deferred.doneUnsafe(done, Exit.fail(new VoiceError({ reason: `playback failed: ${error.message}` })))
        }
      }
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          player.on("stateChange", onState)
          player.on("error", onError)
          player.play(resource)
        }),
        () =>
          Effect.sync(() => {
            player.off("stateChange", onState)
            player.off("error", onError)
            // Interrupted (pause, skip, seek): stop now, with the library's few frames of silence.
            if (player.state.status !== AudioPlayerStatus.Idle && player.state.resource === resource) player.stop()
            readable.destroy()
          })
      )
      yield* Deferred.await(done)
    }).pipe(Effect.scoped)

  const subscribe: Effect.Effect<PubSub.Subscription<VoiceLeft>, never, Scope.Scope> = PubSub.subscribe(left)

  return DiscordVoice.of({
    join,
    leave,
    play,
    channelOf: (guildId) => Effect.sync(() => sessions.get(guildId)?.connection.joinConfig.channelId ?? null),
    subscribe,
    connections: Effect.sync(() => sessions.size)
  })
})

export class DiscordVoice extends Context.Service<DiscordVoice, {
  /** Joins (or moves to) a voice channel and waits until audio can flow. */
  readonly join: (guildId: GuildId, channelId: string) => Effect.Effect<void, VoiceError>
  /** Leaves the guild's voice channel, if in one; reported by no VoiceLeft. */
  readonly leave: (guildId: GuildId) => Effect.Effect<void>
  readonly play: <E>(guildId: GuildId, packets: Stream.Stream<OpusPacket, E>) => Effect.Effect<void, E | VoiceError>
  /** The channel the bot is in (or joining) in this guild. */
  readonly channelOf: (guildId: GuildId) => Effect.Effect<string | null>
  /** Voice sessions that ended without `leave`: kicked, alone too long, or lost for good. */
  readonly subscribe: Effect.Effect<PubSub.Subscription<VoiceLeft>, never, Scope.Scope>
  readonly connections: Effect.Effect<number>
}>()("reprise/voice/DiscordVoice") {
  static readonly layerWith = (options: DiscordVoiceOptions) => Layer.effect(DiscordVoice, make(options))

  /** Settings from AppConfig; needs the DiscordClient. */
  static readonly layer = Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* AppConfig
      return DiscordVoice.layerWith({ aloneTimeout: config.voice.aloneTimeout })
    })
  )

  /** The player's VoiceOutput, backed by DiscordVoice. */
  static readonly output = Layer.effect(
    VoiceOutput,
    Effect.gen(function*() {
      const voice = yield* DiscordVoice
      return VoiceOutput.of({ play: voice.play, disconnect: voice.leave })
    })
  )
}
