/**
 * At start-up, once the gateway session is ready, every guild whose snapshot had something playing
 * or paused takes it back: the bot rejoins the same voice channel and the same track goes on from
 * its position, paused if it was paused, with the rest of the queue as it was. A snapshot too old
 * (RESUME_MAX_AGE), unreadable, or whose voice channel is gone is discarded with a log line. An
 * empty channel is rejoined only in 24/7 mode; otherwise the queue is kept, paused, for the next
 * /play or /resume.
 */
import { Clock, Duration, Effect, Layer, Option } from "effect"
import { type ChannelId, type GuildId, UserId } from "../../schema/Ids.ts"
import { Connect, Restore } from "../../schema/PlayerCommand.ts"
import type { Snapshot } from "../../schema/Snapshot.ts"
import { DurationText, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { DiscordGateway } from "../gateway/DiscordGateway.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { SnapshotRepo, type StoredSnapshot } from "../persistence/SnapshotRepo.ts"
import { Writer } from "../persistence/Writer.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"

export const section = Section.make({
  fields: { RESUME_MAX_AGE: DurationText("30 days").pipe(withDefault("1 hour")) },
  build: (e) => ({ maxAge: e.RESUME_MAX_AGE })
})

/** What became of one stored snapshot. */
export type ResumeOutcome =
  | { readonly _tag: "Resumed"; readonly guildId: GuildId; readonly joined: boolean; readonly paused: boolean }
  | { readonly _tag: "Discarded"; readonly guildId: GuildId; readonly why: string }

/** Why a stored snapshot is not worth resuming, or the snapshot when it is. */
export const judge = (
  stored: StoredSnapshot,
  nowMs: number,
  maxAge: Duration.Duration
):
  | { readonly _tag: "Keep"; readonly snapshot: Snapshot; readonly channelId: ChannelId }
  | { readonly _tag: "Drop"; readonly why: string } =>
{
  if (Option.isNone(stored.snapshot)) return { _tag: "Drop", why: "its shape is not one this version reads" }
  const snapshot = stored.snapshot.value
  const age = nowMs - snapshot.takenAtMs
  if (age > Duration.toMillis(maxAge)) {
    return { _tag: "Drop", why: `it is ${Duration.format(Duration.millis(age))} old (RESUME_MAX_AGE is ${Duration.format(maxAge)})` }
  }
  if (snapshot.state.queue.current === null) return { _tag: "Drop", why: "nothing was playing" }
  if (snapshot.voiceChannelId === null) return { _tag: "Drop", why: "the player was in no voice channel" }
  return { _tag: "Keep", snapshot, channelId: snapshot.voiceChannelId }
}

export const layerConfig = Layer.effectDiscard(
  Effect.gen(function*() {
    const { maxAge } = yield* Section.settingsOf(section)
    const gateway = yield* DiscordGateway
    const registry = yield* PlayerRegistry
    const directory = yield* GuildDirectory
    const settings = yield* GuildSettingsRepo
    const snapshots = yield* SnapshotRepo
    const writer = yield* Writer

    const discard = (guildId: GuildId, why: string) =>
      Effect.logInfo("discarded a snapshot", { guildId, why }).pipe(
        Effect.andThen(writer.submit(snapshots.remove(guildId))),
        Effect.as<ResumeOutcome>({ _tag: "Discarded", guildId, why })
      )

    const resumeOne = Effect.fn("Resume.guild")(function*(stored: StoredSnapshot, nowMs: number, bot: UserId) {
      const { guildId } = stored
      yield* Effect.annotateCurrentSpan({ "guild.id": guildId })
      const verdict = judge(stored, nowMs, maxAge)
      if (verdict._tag === "Drop") return yield* discard(guildId, verdict.why)
      const { channelId, snapshot } = verdict
      if (!(yield* directory.hasVoiceChannel(guildId, channelId))) return yield* discard(guildId, "its voice channel is gone")
      const stay = yield* settings.stayConnected(guildId)
      const wanted = (yield* directory.humansIn(guildId, channelId)) > 0 || stay
      const joined = wanted &&
        (yield* registry.send(guildId, new Connect({ channelId, requester: bot })).pipe(
          Effect.as(true),
          Effect.catch((error) => Effect.as(Effect.logWarning("could not rejoin voice to resume", { guildId }, error), false))
        ))
      const paused = snapshot.state.paused || !joined
      yield* registry.send(
        guildId,
        new Restore({ state: snapshot.state, positionMs: snapshot.positionMs, paused, requester: bot })
      )
      yield* Effect.logInfo("resumed after a restart", { guildId, positionMs: snapshot.positionMs, joined, paused })
      return { _tag: "Resumed", guildId, joined, paused } satisfies ResumeOutcome
    })

    const resumeAll = Effect.gen(function*() {
      yield* gateway.ready
      const bot = UserId.make(gateway.client.user?.id ?? "0".repeat(17))
      const stored = yield* snapshots.all
      const nowMs = yield* Clock.currentTimeMillis
      yield* Effect.forEach(stored, (s) =>
        resumeOne(s, nowMs, bot).pipe(
          Effect.catchCause((cause) => Effect.logWarning("could not resume a guild", { guildId: s.guildId }, cause))
        ), { concurrency: 8, discard: true })
    }).pipe(
      Effect.catch((error) => Effect.logWarning("could not read the snapshots to resume", error)),
      Effect.withSpan("Resume.all")
    )

    yield* Effect.forkScoped(resumeAll)
  })
)
