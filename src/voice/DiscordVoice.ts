/**
 * Voice through @discordjs/voice: one VoiceConnection and one AudioPlayer per guild. Joining
 * goes through the guild's adapter from discord.js; DAVE stays at the library default.
 * The connection is watched so that it reconnects when it drops or its server stops answering,
 * follows when moved, stops cleanly when kicked, and leaves after a while when nobody else is in
 * the channel.
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
import { Clock, Deferred, Duration, Effect, Exit, FiberMap, FiberSet, Layer, PubSub, Schedule, Stream } from "effect"
import { ChannelId, GuildId } from "../../schema/Ids.ts"
import type { OpusPacket } from "../audio/AudioPipeline.ts"
import { DurationText, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { DiscordGateway } from "../gateway/DiscordGateway.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { PacketReadable } from "./PacketReadable.ts"
import { reportPathEvent, VoicePathWatch } from "./VoicePathWatch.ts"
import {
  ConnectFailed,
  Interrupted,
  NotConnected,
  PlaybackFailed,
  Unavailable,
  voiceError,
  type VoiceError,
  type VoiceLeaveReason,
  VoiceLeft,
  VoiceOutput
} from "./VoiceOutput.ts"

export interface DiscordVoiceOptions {
  /** How long to stay in a channel nobody else is in. */
  readonly aloneTimeout: Duration.Input
  /** How long a join (or a reconnect after a drop) may take before it is given up. Default 15 s. */
  readonly connectTimeout?: Duration.Input | undefined
  /** After a 4014 close, how long to wait for the move that may follow before treating it as a kick. Default 5 s. */
  readonly moveGrace?: Duration.Input | undefined
  /** Whether a guild is in 24/7 mode: then nobody listening is no reason to leave. Default: never. */
  readonly stayConnected?: ((guildId: GuildId) => Effect.Effect<boolean>) | undefined
  /** How long a UDP keepalive or a voice heartbeat may go unanswered before it is logged. Default 3 s. */
  readonly pathWarning?: Duration.Input | undefined
  /** How long one may go unanswered before the connection is made again. Default 8 s. */
  readonly pathTimeout?: Duration.Input | undefined
}

/** How often the paths are looked at (ms): the precision of the silences measured, for a few field reads. */
const pathCheckInterval = 500

interface Session {
  readonly guildId: GuildId
  readonly connection: VoiceConnection
  readonly player: AudioPlayer
  /** Set when the session is being ended on purpose: the Destroyed handler reports it (or not) by this. */
  ending: VoiceLeaveReason | "requested" | null
  /** Whether it was Ready once: reconnect watchdogs only apply after the first join succeeded. */
  established: boolean
  readonly paths: VoicePathWatch
}

const logsOf = (guildId: GuildId) => Effect.annotateLogs({ guildId })

const isReconnecting = (status: VoiceConnectionStatus) =>
  status === VoiceConnectionStatus.Signalling || status === VoiceConnectionStatus.Connecting

const make = Effect.fnUntraced(function*(options: DiscordVoiceOptions) {
  const { client } = yield* DiscordGateway
  const connectTimeout = Duration.fromInputUnsafe(options.connectTimeout ?? "15 seconds")
  const moveGrace = Duration.toMillis(Duration.fromInputUnsafe(options.moveGrace ?? "5 seconds"))
  const aloneTimeout = Duration.fromInputUnsafe(options.aloneTimeout)
  const stayConnected = options.stayConnected ?? (() => Effect.succeed(false))
  const pathThresholds = {
    warnAfterMs: Duration.toMillis(Duration.fromInputUnsafe(options.pathWarning ?? "3 seconds")),
    deadAfterMs: Duration.toMillis(Duration.fromInputUnsafe(options.pathTimeout ?? "8 seconds"))
  }
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
    session.paths.dispose()
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
      if ("networking" in to) session.paths.follow(to.networking)
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

  let lastLook: number | null = null
  const checkPaths = Effect.gen(function*() {
    // After the event loop stalled, answers that came meanwhile may still be unread: a timer's turn reads them.
    const woke = yield* Clock.currentTimeMillis
    if (lastLook !== null && woke - lastLook > 2 * pathCheckInterval) yield* Effect.sleep(1)
    const now = yield* Clock.currentTimeMillis
    lastLook = now
    for (const session of sessions.values()) {
      if (session.ending !== null) continue
      for (const event of session.paths.check(session.connection, now, pathThresholds)) {
        yield* reportPathEvent(session.connection, event).pipe(logsOf(session.guildId))
      }
    }
  }).pipe(Effect.catchDefect((defect) => Effect.logWarning("could not check the voice paths", defect)))
  yield* checkPaths.pipe(Effect.repeat(Schedule.spaced(pathCheckInterval)), Effect.forkScoped)

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
      // In 24/7 mode the timer starts over instead, so turning 24/7 off is heeded within one timeout.
      const wait: Effect.Effect<void> = Effect.sleep(aloneTimeout).pipe(
        Effect.andThen(stayConnected(guildId)),
        Effect.flatMap((stay) =>
          stay ? wait : Effect.sync(() => {
            const session = sessions.get(guildId)
            if (session !== undefined && humansWithBot(guildId) === 0) end(session, "alone")
          })
        )
      )
      return FiberMap.run(aloneTimers, guildId, wait, { onlyIfMissing: true }).pipe(Effect.asVoid)
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

  const join = Effect.fn("DiscordVoice.join")(function*(guildId: GuildId, channelId: ChannelId) {
    yield* Effect.annotateCurrentSpan({ "guild.id": guildId, "channel.id": channelId })
    const guild = client.guilds.cache.get(guildId)
    if (guild === undefined) return yield* voiceError(new Unavailable())
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
      session = { guildId, connection, player, ending: null, established: false, paths: new VoicePathWatch() }
      sessions.set(guildId, session)
      watch(session)
      connection.subscribe(player)
    } else {
      session.connection.rejoin({ channelId, selfDeaf: true, selfMute: false })
    }
    const current = session
    yield* Effect.tryPromise({
      try: (signal) => entersState(current.connection, VoiceConnectionStatus.Ready, signal),
      catch: () => voiceError(new ConnectFailed({ timedOut: false }))
    }).pipe(
      Effect.timeoutOrElse({
        duration: connectTimeout,
        orElse: () => Effect.fail(voiceError(new ConnectFailed({ timedOut: true })))
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
      if (session === undefined) return yield* voiceError(new NotConnected())
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
        const stopped = voiceError(new Interrupted({ cause: gone ? "connection-ended" : "stalled" }))
        Deferred.doneUnsafe(done, fed ? Exit.void : Exit.fail(stopped))
      }
      const onError = (error: AudioPlayerError) => {
        if (error.resource === resource) {
          Deferred.doneUnsafe(done, Exit.fail(voiceError(new PlaybackFailed({ detail: error.message }))))
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

  const channelOf = (guildId: GuildId) =>
    Effect.sync(() => {
      const id = sessions.get(guildId)?.connection.joinConfig.channelId
      return id === undefined || id === null ? null : ChannelId.make(id)
    })

  return VoiceOutput.of({ join, leave, play, channelOf, left: PubSub.subscribe(left) })
})

/**
 * VOICE_ALONE_TIMEOUT: how long the bot stays in a voice channel nobody else is in.
 * VOICE_PATH_WARNING, VOICE_PATH_TIMEOUT: how long the voice server may leave a UDP keepalive or
 * a voice heartbeat unanswered before it is logged, and before the connection is made again. A
 * heartbeat goes over TCP and is answered within a round trip; keepalives go every 5 s over UDP,
 * where one can be lost: at 8 s the next keepalive, sent 5 s later, is unanswered too.
 */
const section = Section.make({
  fields: {
    VOICE_ALONE_TIMEOUT: DurationText("1 day").pipe(withDefault("2 minutes")),
    VOICE_PATH_WARNING: DurationText("1 minute").pipe(withDefault("3 seconds")),
    VOICE_PATH_TIMEOUT: DurationText("5 minutes").pipe(withDefault("8 seconds"))
  },
  build: (e): DiscordVoiceOptions => ({
    aloneTimeout: e.VOICE_ALONE_TIMEOUT,
    pathWarning: e.VOICE_PATH_WARNING,
    pathTimeout: e.VOICE_PATH_TIMEOUT
  })
})

/**
 * The voice output on Discord: one @discordjs/voice connection and audio player per guild, over
 * the gateway's client.
 */
export const DiscordVoice = {
  layer: (options: DiscordVoiceOptions): Layer.Layer<VoiceOutput, never, DiscordGateway> =>
    Layer.effect(VoiceOutput, make(options)),

  section,

  /** From its section, with each guild's 24/7 setting. */
  layerConfig: Layer.effect(
    VoiceOutput,
    Effect.gen(function*() {
      const settings = yield* GuildSettingsRepo
      return yield* make({ ...(yield* Section.settingsOf(section)), stayConnected: settings.stayConnected })
    })
  )
}
