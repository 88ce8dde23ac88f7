// The guild page's lyrics panel: the words of what plays (`GET …/lyrics`, as /lyrics finds them),
// looked up when the panel is opened and again when the track changes, with the line being sung
// marked as the track moves. The page's own helpers come in as arguments: this module imports none.

/** `el` and `api` are the page's; `base` is the guild's `/api/v1/guilds/{id}`. */
export const lyricsPanel = ({ el, api }, base) => {
  /** The track the panel is for (null: nothing plays), the one its words were asked for, and the timed lines. */
  let track = null
  let askedFor
  let synced = []
  let sung = -1
  const status = el("p", { class: "muted", id: "lyrics-status", role: "status" })
  const lines = el("ol", { id: "lyrics-lines", class: "lyrics" })
  const plain = el("pre", { id: "lyrics-plain", class: "lyrics", hidden: true })

  const load = async () => {
    if (!details.open || track === askedFor) return
    const key = askedFor = track
    synced = []
    sung = -1
    lines.replaceChildren()
    plain.hidden = true
    if (key === null) {
      status.textContent = "Nothing is playing."
      return
    }
    status.textContent = "Looking the words up…"
    try {
      const song = await api("GET", `${base}/lyrics`)
      if (askedFor !== key) return
      status.textContent = song.instrumental ? `${song.trackName} is an instrumental.` : `${song.trackName} · ${song.artistName}`
      if (song.instrumental) return
      if (song.synced.length > 0) {
        synced = song.synced
        lines.replaceChildren(...synced.map((line) => el("li", {}, line.text === "" ? "♪" : line.text)))
      } else {
        plain.textContent = song.plain
        plain.hidden = false
      }
    } catch (error) {
      if (askedFor === key) status.textContent = error instanceof Error ? error.message : String(error)
    }
  }

  const details = el("details", { id: "lyrics", ontoggle: () => load() }, el("summary", {}, "Lyrics"), status, lines, plain)

  return {
    section: el("section", { "aria-label": "Lyrics" }, details),
    /** What plays now, as any text that changes with the track (null: nothing). */
    playing: (key) => {
      track = key
      load()
    },
    /** Marks the line sung at `positionMs`. */
    at: (positionMs) => {
      let index = -1
      while (index + 1 < synced.length && synced[index + 1].atMs <= positionMs) index++
      if (index === sung) return
      lines.children[sung]?.removeAttribute("aria-current")
      sung = index
      const line = lines.children[index]
      if (line === undefined) return
      line.setAttribute("aria-current", "true")
      // The list scrolls itself, never the page, so the sung line stays in view.
      lines.scrollTop = line.offsetTop - lines.clientHeight / 2
    }
  }
}
