import { Clock, Context, Effect, Layer, Schema, SchemaGetter } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { defaultDjActions, DjAction } from "../../schema/GuildRules.ts"
import { type GuildId, RoleId } from "../../schema/Ids.ts"
import { defaultSponsorCategories, SponsorCategory } from "../../schema/Segments.ts"

/** The guild settings the permission rules read. */
export interface GuildAccessSettings {
  /** Members with this role may take the actions kept for DJs and skip anyone's track; null: no DJ rules. */
  readonly djRoleId: RoleId | null
  /** Share of the listeners that must vote to skip someone else's track (0 < r ≤ 1). */
  readonly voteSkipRatio: number
  /** The action groups only DJs may take. */
  readonly djActions: ReadonlyArray<DjAction>
}

export const defaultAccessSettings: GuildAccessSettings = {
  djRoleId: null,
  voteSkipRatio: 0.5,
  djActions: defaultDjActions
}

/** How much a guild lets its queue and playlists hold; a null limit leaves only the bot's own cap. */
export interface GuildLimits {
  readonly maxQueueLength: number | null
  readonly maxPlaylistSize: number | null
  /** The longest track the guild plays, in minutes; null leaves only the bot's MAX_TRACK_DURATION. */
  readonly maxTrackMinutes: number | null
  /** Whether a track already queued may be queued again. */
  readonly allowDuplicates: boolean
}

export const defaultLimits: GuildLimits = { maxQueueLength: null, maxPlaylistSize: null, maxTrackMinutes: null, allowDuplicates: true }

// A name this version does not know (written by a newer one) is left out, not a failed read.
const knownOnly = <
  S extends Schema.Top & { readonly Type: string; readonly Encoded: string; readonly DecodingServices: never; readonly EncodingServices: never }
>(
  names: S
) =>
  Schema.Array(Schema.String).pipe(
    Schema.decodeTo(Schema.Array(names), {
      decode: SchemaGetter.transform((all) => all.filter(Schema.is(names))),
      encode: SchemaGetter.passthrough()
    })
  )

/** A guild's row, as the reads need it. */
const Row = Schema.Struct({
  dj_role_id: Schema.NullOr(RoleId),
  vote_skip_ratio: Schema.Number,
  allow_duplicates: Schema.Boolean,
  max_queue_length: Schema.NullOr(Schema.Number),
  max_playlist_size: Schema.NullOr(Schema.Number),
  max_track_minutes: Schema.NullOr(Schema.Number),
  dj_actions: knownOnly(DjAction),
  sponsorblock_categories: knownOnly(SponsorCategory),
  autoplay: Schema.Boolean,
  stay_connected: Schema.Boolean,
  repost_now_playing: Schema.Boolean,
  crossfade_seconds: Schema.Number
})
type Row = typeof Row.Type

/**
 * `guild_settings` (migrations/0001_initial.sql): a guild without a row has the defaults. Reads never
 * fail: while the database is away they answer what it last said (or the defaults), so playback and
 * commands go on; writes fail, and the caller says so.
 */
export class GuildSettingsRepo extends Context.Service<GuildSettingsRepo, {
  readonly access: (guildId: GuildId) => Effect.Effect<GuildAccessSettings>
  readonly limits: (guildId: GuildId) => Effect.Effect<GuildLimits>
  readonly autoplay: (guildId: GuildId) => Effect.Effect<boolean>
  /** 24/7: the bot stays in its voice channel even with nobody there. */
  readonly stayConnected: (guildId: GuildId) => Effect.Effect<boolean>
  /** The now-playing message is posted anew for each track, at the bottom of the channel. */
  readonly repostNowPlaying: (guildId: GuildId) => Effect.Effect<boolean>
  /** Seconds a track that ends on its own fades into the next; 0: none (the gapless change). */
  readonly crossfade: (guildId: GuildId) => Effect.Effect<number>
  readonly setAutoplay: (guildId: GuildId, enabled: boolean) => Effect.Effect<void, SqlError.SqlError>
  readonly setDjRole: (guildId: GuildId, roleId: RoleId | null) => Effect.Effect<void, SqlError.SqlError>
  readonly setVoteSkipRatio: (guildId: GuildId, ratio: number) => Effect.Effect<void, SqlError.SqlError>
  readonly setStayConnected: (guildId: GuildId, stay: boolean) => Effect.Effect<void, SqlError.SqlError>
  readonly setRepostNowPlaying: (guildId: GuildId, repost: boolean) => Effect.Effect<void, SqlError.SqlError>
  readonly setCrossfade: (guildId: GuildId, seconds: number) => Effect.Effect<void, SqlError.SqlError>
  /** Changes the limits given, in one write. */
  readonly setLimits: (guildId: GuildId, limits: Partial<GuildLimits>) => Effect.Effect<void, SqlError.SqlError>
  readonly setDjActions: (guildId: GuildId, actions: ReadonlyArray<DjAction>) => Effect.Effect<void, SqlError.SqlError>
  /** The SponsorBlock categories skipped in YouTube videos; none: nothing is skipped. */
  readonly sponsorBlock: (guildId: GuildId) => Effect.Effect<ReadonlyArray<SponsorCategory>>
  readonly setSponsorBlock: (guildId: GuildId, categories: ReadonlyArray<SponsorCategory>) => Effect.Effect<void, SqlError.SqlError>
}>()("reprise/persistence/GuildSettingsRepo") {
  /** Over the SQL client (PostgreSQL or the embedded database). */
  static readonly layerSql = Layer.effect(
    GuildSettingsRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

      /** The guild's row, if it has one; every read maps it, with the defaults for a guild without one. */
      // The last row read per guild, and until when it is fresh. Every command reads the settings,
      // and a busy guild sends hundreds a minute (the dashboard, a script): a row read is kept a few
      // seconds, so it costs the database one read per window. A write through this repo ends the
      // window at once; one by another process shows within it. While the database is away, the
      // rules it last said still apply.
      const known = new Map<GuildId, { readonly row: Row | null; readonly until: number }>()
      const keepFor = 5_000
      // The ratio is a `real`: through numeric it reads back as written (0.6, not 0.6000000238).
      const queryRow = (guildId: GuildId) =>
        sql`SELECT dj_role_id, vote_skip_ratio::numeric::float8 AS vote_skip_ratio, allow_duplicates, max_queue_length, max_playlist_size, max_track_minutes, autoplay,
          stay_connected, repost_now_playing, dj_actions, sponsorblock_categories, crossfade_seconds FROM guild_settings WHERE guild_id = ${guildId}`.pipe(
          Effect.flatMap(decodeRows),
          Effect.map((rows) => rows[0] ?? null),
          Effect.tap((row) => Effect.map(Clock.currentTimeMillis, (now) => known.set(guildId, { row, until: now + keepFor }))),
          // Every command reads the settings: a database slow to answer must not hold one past Discord's 3 s.
          Effect.timeout("1500 millis"),
          // A failed read is not asked again for a window either: a command reads several settings,
          // and each waiting its 1.5 s on a database that does not answer would add up past 3 s.
          Effect.catch((error) =>
            Effect.gen(function*() {
              yield* Effect.logWarning("guild settings unavailable; using the last known ones", { guildId }, error)
              const row = known.get(guildId)?.row ?? null
              known.set(guildId, { row, until: (yield* Clock.currentTimeMillis) + keepFor })
              return row
            })
          )
        )
      const fetchRow = (guildId: GuildId) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const kept = known.get(guildId)
          return kept !== undefined && kept.until > now ? Effect.succeed(kept.row) : queryRow(guildId)
        })
      /** A write, after which the next read asks the database again. */
      const writing = (guildId: GuildId) =>
        Effect.ensuring(Effect.sync(() => {
          const kept = known.get(guildId)
          if (kept !== undefined) known.set(guildId, { row: kept.row, until: 0 })
        }))
      const read = <A>(name: string, from: (row: Row) => A, otherwise: A) =>
        Effect.fn(`GuildSettingsRepo.${name}`)(function*(guildId: GuildId) {
          const row = yield* fetchRow(guildId)
          return row === null ? otherwise : from(row)
        })

      const access = read(
        "access",
        (row): GuildAccessSettings => ({
          djRoleId: row.dj_role_id,
          voteSkipRatio: row.vote_skip_ratio,
          djActions: row.dj_actions
        }),
        defaultAccessSettings
      )
      const limits = read(
        "limits",
        (row): GuildLimits => ({
          maxQueueLength: row.max_queue_length,
          maxPlaylistSize: row.max_playlist_size,
          maxTrackMinutes: row.max_track_minutes,
          allowDuplicates: row.allow_duplicates
        }),
        defaultLimits
      )
      const autoplay = read("autoplay", (row) => row.autoplay, false)
      const stayConnected = read("stayConnected", (row) => row.stay_connected, false)
      const repostNowPlaying = read("repostNowPlaying", (row) => row.repost_now_playing, false)
      const sponsorBlock = read("sponsorBlock", (row) => row.sponsorblock_categories, defaultSponsorCategories)
      const crossfade = read("crossfade", (row) => row.crossfade_seconds, 0)

      /** A setter of one column of a plain value. */
      const column = <A extends boolean | number>(
        name: string,
        column: "autoplay" | "stay_connected" | "repost_now_playing" | "crossfade_seconds"
      ) =>
        Effect.fn(`GuildSettingsRepo.${name}`)(function*(guildId: GuildId, value: A) {
          yield* sql`INSERT INTO guild_settings ${sql.insert({ guild_id: guildId, [column]: value })}
            ON CONFLICT (guild_id) DO UPDATE SET ${sql.update({ [column]: value })}, updated_at = now()`
        }, (effect, guildId) => writing(guildId)(effect))
      const setAutoplay = column<boolean>("setAutoplay", "autoplay")
      const setStayConnected = column<boolean>("setStayConnected", "stay_connected")
      const setRepostNowPlaying = column<boolean>("setRepostNowPlaying", "repost_now_playing")
      const setCrossfade = column<number>("setCrossfade", "crossfade_seconds")

      const setDjRole = Effect.fn("GuildSettingsRepo.setDjRole")(function*(guildId: GuildId, roleId: RoleId | null) {
        yield* sql`INSERT INTO guild_settings (guild_id, dj_role_id) VALUES (${guildId}, ${roleId})
          ON CONFLICT (guild_id) DO UPDATE SET dj_role_id = EXCLUDED.dj_role_id, updated_at = now()`
      }, (effect, guildId) => writing(guildId)(effect))

      const setVoteSkipRatio = Effect.fn("GuildSettingsRepo.setVoteSkipRatio")(function*(
        guildId: GuildId,
        ratio: number
      ) {
        yield* sql`INSERT INTO guild_settings (guild_id, vote_skip_ratio) VALUES (${guildId}, ${ratio})
          ON CONFLICT (guild_id) DO UPDATE SET vote_skip_ratio = EXCLUDED.vote_skip_ratio, updated_at = now()`
      }, (effect, guildId) => writing(guildId)(effect))

      const setLimits = Effect.fn("GuildSettingsRepo.setLimits")(function*(guildId: GuildId, change: Partial<GuildLimits>) {
        const columns = {
          ...(change.maxQueueLength === undefined ? {} : { max_queue_length: change.maxQueueLength }),
          ...(change.maxPlaylistSize === undefined ? {} : { max_playlist_size: change.maxPlaylistSize }),
          ...(change.maxTrackMinutes === undefined ? {} : { max_track_minutes: change.maxTrackMinutes }),
          ...(change.allowDuplicates === undefined ? {} : { allow_duplicates: change.allowDuplicates })
        }
        if (Object.keys(columns).length === 0) return
        yield* sql`INSERT INTO guild_settings ${sql.insert({ guild_id: guildId, ...columns })}
          ON CONFLICT (guild_id) DO UPDATE SET ${sql.update(columns)}, updated_at = now()`
      }, (effect, guildId) => writing(guildId)(effect))

      /** Writes a list of names into one of the row's jsonb columns. */
      const setNames = <A extends string>(name: string, column: "dj_actions" | "sponsorblock_categories") =>
        Effect.fn(`GuildSettingsRepo.${name}`)(function*(guildId: GuildId, names: ReadonlyArray<A>) {
          yield* sql`INSERT INTO guild_settings (guild_id, ${sql(column)}) VALUES (${guildId}, ${JSON.stringify(names)}::jsonb)
            ON CONFLICT (guild_id) DO UPDATE SET ${sql(column)} = EXCLUDED.${sql(column)}, updated_at = now()`
        }, (effect, guildId) => writing(guildId)(effect))
      const setDjActions = setNames<DjAction>("setDjActions", "dj_actions")
      const setSponsorBlock = setNames<SponsorCategory>("setSponsorBlock", "sponsorblock_categories")

      return GuildSettingsRepo.of({
        access,
        limits,
        autoplay,
        stayConnected,
        repostNowPlaying,
        crossfade,
        setAutoplay,
        setDjRole,
        setVoteSkipRatio,
        setStayConnected,
        setRepostNowPlaying,
        setCrossfade,
        setLimits,
        setDjActions,
        sponsorBlock,
        setSponsorBlock
      })
    })
  )
}
