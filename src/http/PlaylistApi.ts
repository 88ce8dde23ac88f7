/**
 * `/api/v1` for a guild's saved playlists: everything /playlist does, through the same use-cases
 * and under the same rules. A playlist is named in the path; a name means the caller's own first,
 * then the guild's, and an API key, being nobody's, reaches only the guild's.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as V1 from "../../schema/ApiV1.ts"
import { GuildId } from "../../schema/Ids.ts"
import { PlaylistFile } from "../../schema/Playlist.ts"
import { ApiAuth } from "./GuildApi.ts"
import { ControlProblems, RequestProblems } from "./Problems.ts"

const guild = { guildId: GuildId }
const named = { ...guild, ...V1.PlaylistPath }
const described = OpenApi.Description
const created = HttpApiSchema.status(201)

export class PlaylistsGroup extends HttpApiGroup.make("playlists")
  .add(
    HttpApiEndpoint.get("list", "/:guildId/playlists", { params: guild, success: V1.Playlists, error: ControlProblems })
      .annotate(described, "The guild's saved playlists, and the caller's own (an API key has none)."),
    HttpApiEndpoint.post("save", "/:guildId/playlists", {
      params: guild,
      payload: V1.SavePlaylist,
      success: V1.PlaylistSummary.pipe(created),
      error: ControlProblems
    }).annotate(
      described,
      "Saves the queue (what plays now first), or with from=history the last 50 distinct tracks played, as a " +
        "new playlist, as /playlist save and /history save do. 409 when there is nothing to save or the name is taken."
    ),
    HttpApiEndpoint.post("import", "/:guildId/playlists/import", {
      params: guild,
      query: V1.ImportQuery,
      payload: PlaylistFile,
      success: V1.PlaylistSummary.pipe(created),
      error: ControlProblems
    }).annotate(
      described,
      "Saves a playlist file (what export answers) as a new playlist, as /playlist import does: checked whole " +
        "first (400 names the first problem), then written at once. Up to 1 MiB."
    ),
    HttpApiEndpoint.get("show", "/:guildId/playlists/:name", {
      params: named,
      query: V1.PlaylistQuery,
      success: V1.PlaylistPage,
      error: ControlProblems
    }).annotate(described, "A saved playlist and a page of its tracks, ten a page."),
    HttpApiEndpoint.patch("rename", "/:guildId/playlists/:name", {
      params: named,
      payload: V1.RenamePlaylist,
      success: V1.PlaylistSummary,
      error: ControlProblems
    }).annotate(described, "Renames a saved playlist; answers with it afterwards."),
    HttpApiEndpoint.delete("delete", "/:guildId/playlists/:name", {
      params: named,
      success: V1.PlaylistSummary,
      error: ControlProblems
    }).annotate(described, "Deletes a saved playlist; answers with what it was."),
    HttpApiEndpoint.post("load", "/:guildId/playlists/:name/load", {
      params: named,
      payload: V1.LoadPlaylist,
      success: V1.Queued,
      error: ControlProblems
    }).annotate(
      described,
      "Queues a saved playlist as /playlist load does, answering like POST …/queue. voiceChannelId is required " +
        "while the bot is in no voice channel (else 409)."
    ),
    HttpApiEndpoint.get("export", "/:guildId/playlists/:name/export", {
      params: named,
      success: PlaylistFile,
      error: ControlProblems
    }).annotate(described, "A saved playlist as the versioned playlist file /playlist export writes."),
    HttpApiEndpoint.post("addTrack", "/:guildId/playlists/:name/tracks", {
      params: named,
      payload: V1.AddToPlaylist,
      success: V1.PlaylistAdded.pipe(created),
      error: ControlProblems
    }).annotate(described, "Resolves a link or search, as /play would, and appends what it found to the playlist."),
    HttpApiEndpoint.delete("removeTrack", "/:guildId/playlists/:name/tracks/:position", {
      params: { ...guild, ...V1.PlaylistTrackPath },
      success: V1.PlaylistRemoved,
      error: ControlProblems
    }).annotate(described, "Removes the track at a 1-based position of the playlist.")
  )
  .middleware(RequestProblems)
  .middleware(ApiAuth)
  .prefix("/api/v1/guilds")
{}
