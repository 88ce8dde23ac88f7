/** Saved playlists as the API shows them: pure functions of what the playlist use-cases answer. */
import type { PlaylistAdded, PlaylistPage as PageView, PlaylistSummary as SummaryView } from "../../schema/ApiV1.ts"
import type { PlaylistAddition, PlaylistPage, PlaylistRemoval, PlaylistSummary, PlaylistTrack } from "../control/Playlists.ts"
import { scopeOf } from "../control/Playlists.ts"

export const summaryView = (playlist: PlaylistSummary): SummaryView => ({
  name: playlist.name,
  scope: scopeOf(playlist.owner),
  trackCount: playlist.trackCount,
  durationMs: playlist.durationMs
})

const storedFields = (track: Omit<PlaylistTrack, "addedBy">) => ({
  title: track.title,
  url: track.location,
  source: track.kind,
  durationMs: track.durationMs
})

const trackView = (track: PlaylistTrack, position: number) => ({
  position,
  ...storedFields(track),
  author: track.author,
  addedBy: track.addedBy
})

export const pageView = (shown: PlaylistPage): PageView => ({
  ...summaryView(shown.playlist),
  tracks: shown.tracks.map((track, i) => trackView(track, shown.offset + i + 1)),
  page: shown.page,
  pages: shown.pages
})

export const addedView = (added: PlaylistAddition): PlaylistAdded => ({
  playlist: summaryView(added.playlist),
  position: added.position,
  tracks: added.tracks.map(storedFields)
})

export const removedView = (removed: PlaylistRemoval) => ({
  playlist: summaryView(removed.playlist),
  track: trackView(removed.track, removed.position)
})
