import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { UserId } from "../../schema/Ids.ts"
import { canonicalTrack, documentText, readDocument, toDocument } from "../../src/control/PlaylistFile.ts"

describe("the playlist file", () => {
  it("derives ids from locations, so that a file cannot name one track and play another", () => {
    const video = { id: "youtube:dQw4w9WgXcQ", location: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }
    for (const link of [
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42",
      "https://youtu.be/dQw4w9WgXcQ",
      "https://music.youtube.com/watch?v=dQw4w9WgXcQ",
      "https://m.youtube.com/shorts/dQw4w9WgXcQ"
    ]) assert.deepStrictEqual(canonicalTrack("youtube", link), video, link)
    assert.deepStrictEqual(canonicalTrack("spotify", "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC"), {
      id: "spotify:4uLU6hMCjMI75M1A2tKUQC",
      location: "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
    })
    assert.deepStrictEqual(canonicalTrack("http", "https://music.example/a b.ogg"), {
      id: "http:https://music.example/a%20b.ogg",
      location: "https://music.example/a%20b.ogg"
    })
    assert.deepStrictEqual(canonicalTrack("local", "albums/one.flac"), { id: "local:albums/one.flac", location: "albums/one.flac" })
    assert.deepStrictEqual(canonicalTrack("bandcamp", "https://artist.bandcamp.com/track/x"), {
      id: "bandcamp:https://artist.bandcamp.com/track/x",
      location: "https://artist.bandcamp.com/track/x"
    })
  })

  it("refuses what a user could not have asked /play for", () => {
    const refused: ReadonlyArray<readonly [Parameters<typeof canonicalTrack>[0], string]> = [
      ["file", "/etc/passwd"],
      ["local", "/etc/passwd"],
      ["local", "albums/../../secret.flac"],
      ["local", "https://music.example/a.ogg"],
      ["youtube", "https://evil.example/watch?v=dQw4w9WgXcQ"],
      ["youtube", "https://www.youtube.com/watch?v=short"],
      ["soundcloud", "http://127.0.0.1/track"],
      ["bandcamp", "https://bandcamp.com.evil.example/x"],
      ["spotify", "https://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC"],
      ["http", "ftp://music.example/a.ogg"],
      ["ytdlp", "javascript:alert(1)"]
    ]
    for (const [kind, location] of refused) {
      assert.isTrue("problem" in canonicalTrack(kind, location), `${kind} ${location}`)
    }
  })

  it("writes what it reads: version 1, indented, unknown fields ignored", () => {
    const song = {
      id: "youtube:dQw4w9WgXcQ",
      kind: "youtube",
      location: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      title: "Song",
      author: null,
      durationMs: 212_000,
      artworkUrl: null
    } as const
    const document = toDocument("Mix", [{ ...song, addedBy: UserId.make("200000000000000001") }])
    const text = documentText(document)
    assert.match(text, /^\{\n {2}"format": "reprise\.playlist",\n {2}"version": 1,/)
    const later = JSON.stringify({ ...JSON.parse(text), comment: "from a later version", tracks: [{ ...document.tracks[0], rating: 5 }] })
    const read = readDocument(later, 10)
    assert.isTrue(Result.isSuccess(read))
    if (Result.isSuccess(read)) {
      assert.strictEqual(read.success.name, "Mix")
      assert.deepStrictEqual(read.success.tracks, [song])
    }
  })
})
