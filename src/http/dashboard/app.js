// The dashboard's script: a plain ES module the bot serves as it is, with no framework and no
// build step. The pages are driven by one JSON API (`/api/v1`) and one event stream, so rendering
// from the API's own JSON here is less machinery than server-rendered fragments (htmx would need
// every view rendered twice, as JSON for scripts and as HTML for the page). Every text from the API
// (titles, names) is written with `textContent` / text nodes, never as markup.

import { lyricsPanel } from "./lyrics.js"
import { settingsSection } from "./settings.js"
import { clock, length } from "./time.js"

const effects = ["bassboost", "nightcore", "vaporwave", "8d", "reverb", "slow", "speedup", "karaoke", "tremolo",
  "vibrato", "lofi", "treble", "limiter", "mono", "pitchup", "pitchdown", "chorus"]
const presets = ["flat", "bass", "rock", "pop", "jazz", "classical", "electronic", "vocal", "soft", "treble"]
const loops = ["off", "track", "queue"]
const playerEvents = ["TrackStarted", "TrackAudible", "TrackEnded", "TrackFailed", "DurationFound", "Paused", "Resumed",
  "Seeked", "QueueChanged", "VolumeChanged", "EffectsChanged", "Restored", "AutoplayFoundNothing", "Idle", "Disconnected"]

/** An element with attributes, listeners (`on…`) and children (strings become text nodes). */
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value)
    else if (key === "class") node.className = value
    else if (value === true) node.setAttribute(key, "")
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, String(value))
  }
  node.append(...children.filter((child) => child !== null && child !== undefined))
  return node
}

const errorBox = document.getElementById("error")
const showError = (message) => {
  errorBox.textContent = message
  errorBox.hidden = false
}
const clearError = () => {
  errorBox.hidden = true
  errorBox.textContent = ""
}

let csrfToken = ""

/** A call of `/api/v1`; a refusal throws with the problem's `detail`, which is written for people. */
const api = async (method, path, body) => {
  const headers = { accept: "application/json" }
  if (method !== "GET") headers["x-csrf-token"] = csrfToken
  // A form (an upload) sets its own multipart type; anything else goes as JSON.
  const form = body instanceof FormData
  if (body !== undefined && !form) headers["content-type"] = "application/json"
  const response = await fetch(path, { method, headers, body: body === undefined || form ? body : JSON.stringify(body) })
  if (response.status === 401) {
    window.location.assign("/auth/login")
    throw new Error("Your login has ended: log in again.")
  }
  const text = await response.text()
  const json = text === "" ? null : JSON.parse(text)
  if (!response.ok) throw new Error(json?.detail ?? json?.title ?? `The bot answered ${response.status}.`)
  return json
}

/** Runs an action of the page, showing what went wrong instead of failing silently. A success clears
 * the last error, except a `background` one (a refresh an event asked for): the refusal of what the
 * listener just did stays up until they do something else. */
const attempt = async (action, { background = false } = {}) => {
  try {
    const result = await action()
    if (!background) clearError()
    return result
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error))
    return undefined
  }
}

/** A tile with the first letter of a name: what shows while an image is missing or cannot be had. */
const tile = (name, className) => el("span", { class: className, "aria-hidden": "true" }, (name.trim()[0] ?? "?").toUpperCase())

/** A short hash of a URL, as an image's `v`: a new track's artwork is a new address, never the last one cached. */
const hashOf = (text) => {
  let hash = 5381
  for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0
  return hash.toString(36)
}

/**
 * An icon or artwork, always through the bot (the page asks no other host); the tile until it
 * loads, and for good when it cannot be had.
 */
const picture = (path, source, name, className) => {
  const fallback = tile(name, className)
  if (source === null) return fallback
  const img = el("img", { class: `${className} picture`, src: `${path}?v=${hashOf(source)}`, alt: "", hidden: true })
  img.addEventListener("load", () => { img.hidden = false; fallback.remove() })
  img.addEventListener("error", () => img.remove())
  return el("span", { class: "frame" }, fallback, img)
}

document.getElementById("logout").addEventListener("click", () =>
  attempt(async () => {
    await api("POST", "/auth/logout")
    window.location.assign("/dashboard")
  }))

const app = document.getElementById("app")

const picker = async () => {
  const me = await attempt(() => api("GET", "/api/v1/me"))
  if (me === undefined) return
  const list = el("ul", { class: "guilds" })
  for (const guild of me.guilds) {
    list.append(el("li", {}, el("a", { href: `/dashboard/${encodeURIComponent(guild.id)}` },
      picture(`/api/v1/guilds/${encodeURIComponent(guild.id)}/icon`, guild.icon, guild.name, "icon"),
      el("span", { class: "name" }, guild.name),
      guild.active ? el("span", { class: "badge" }, "♪ Playing") : null)))
  }
  app.replaceChildren(el("h1", {}, "Your servers"),
    me.guilds.length === 0 ? el("p", {}, "None of your servers has the bot yet.") : list)
}

const guildPage = async (guildId) => {
  const base = `/api/v1/guilds/${encodeURIComponent(guildId)}`
  const me = await attempt(() => api("GET", "/api/v1/me"))
  if (me === undefined) return
  csrfToken = me.csrfToken
  const guild = me.guilds.find((g) => g.id === guildId)
  document.title = `Reprise: ${guild?.name ?? "player"}`

  let view = null
  let fetchedAt = 0
  let dragging = false

  // Inputs whose change is on its way: a render from an answer fetched before it (an event's
  // refresh crossing the change) would put the old value back under the listener's hand.
  const changing = new Set()
  /** Sends a change and shows the player it answers with; `input` names the control it came from. */
  const control = (method, path, body, input = undefined) =>
    attempt(async () => {
      if (input !== undefined) changing.add(input)
      const answer = await api(method, `${base}${path}`, body).finally(() => changing.delete(input))
      render(answer)
    })

  const button = (label, onclick, extra = {}) => el("button", { type: "button", onclick, ...extra }, label)
  const art = el("div", { class: "art", id: "art" })
  const title = el("h1", { id: "title" }, "Nothing is playing")
  const requester = el("p", { class: "muted", id: "requester" })
  const progress = el("input", { type: "range", id: "progress", min: 0, max: 0, value: 0, step: 1000, "aria-label": "Position in the track",
    oninput: () => { dragging = true; time.textContent = `${clock(Number(progress.value))} / ${clock(Number(progress.max))}` },
    onchange: () => { dragging = false; control("POST", "/player/seek", { positionMs: Number(progress.value) }) } })
  const time = el("span", { id: "time", class: "muted" }, "0:00 / 0:00")
  const rated = el("span", { class: "muted", id: "rated", role: "status" })
  const rate = (rating) => attempt(async () => {
    const given = await api("POST", `${base}/player/rating`, { rating })
    rated.textContent = `${given.rating === "up" ? "👍" : "👎"} Rated ${given.track.title}.`
  })
  const rateUp = button("👍", () => rate("up"), { id: "rate-up", "aria-label": "Rate this track up" })
  const rateDown = button("👎", () => rate("down"), { id: "rate-down", "aria-label": "Rate this track down" })
  const playPause = button("Play", () => control("POST", view?.paused ? "/player/resume" : "/player/pause"), { id: "playpause" })
  const volume = el("input", { type: "range", id: "volume", min: 0, max: 200, step: 5, value: 100, "aria-label": "Volume",
    oninput: () => { volumeOut.textContent = `${volume.value}%` },
    onchange: () => control("PUT", "/player/volume", { level: Number(volume.value) }) })
  const volumeOut = el("output", { for: "volume" }, "100%")
  const select = (id, label, values, onchange) =>
    el("label", {}, label, " ", el("select", { id, onchange }, ...values.map((v) => el("option", { value: v }, v))))
  const loop = select("loop", "Loop", loops, (e) => control("PUT", "/player/loop", { mode: e.target.value }, "loop"))
  const equalizer = select("equalizer", "Equalizer", presets, (e) => control("PUT", "/player/equalizer", { preset: e.target.value }, "equalizer"))
  const effectBoxes = effects.map((name) => el("input", { type: "checkbox", value: name, onchange: () =>
    control("PUT", "/player/effects", { effects: effectBoxes.filter((b) => b.checked).map((b) => b.value) }, "effects") }))
  const suggestions = el("datalist", { id: "suggestions" })
  let typing = null
  let asked = ""
  const query = el("input", { id: "query", name: "query", required: true, maxlength: 500, autocomplete: "off",
    list: "suggestions", placeholder: "A song, or a link", "aria-label": "A song to add, or a link",
    // Asked a moment after the typing stops; an answer for older text than the box holds is dropped.
    oninput: () => {
      clearTimeout(typing)
      typing = setTimeout(async () => {
        const text = query.value.trim()
        if (text.length < 2 || text === asked) return
        asked = text
        const found = await api("GET", `${base}/suggest?q=${encodeURIComponent(text)}`).catch(() => [])
        if (query.value.trim() !== text) return
        suggestions.replaceChildren(...found.map((s) => el("option", { value: s.query, label: s.label })))
      }, 250)
    } })
  const addForm = el("form", { id: "add", onsubmit: (e) => {
    e.preventDefault()
    const text = query.value.trim()
    if (text === "") return
    attempt(async () => {
      await api("POST", `${base}/queue`, { query: text })
      // Whatever was typed meanwhile stays.
      if (query.value.trim() === text) query.value = ""
      await refresh()
    })
  } }, query, suggestions, el("button", { type: "submit" }, "Add"))
  const file = el("input", { type: "file", id: "upload", accept: "audio/*", "aria-label": "An audio file to play" })
  const uploadForm = el("form", { id: "upload-form", onsubmit: (e) => {
    e.preventDefault()
    const chosen = file.files?.[0]
    if (chosen === undefined) return
    const form = new FormData()
    form.append("file", chosen)
    attempt(async () => {
      await api("POST", `${base}/queue/upload`, form)
      file.value = ""
      await refresh()
    })
  } }, file, el("button", { type: "submit" }, "Upload and play"))
  const queueList = el("ol", { id: "queue", class: "tracks" })
  const queueCount = el("span", { class: "muted", id: "queue-count" })
  const historyList = el("ol", { id: "history", class: "tracks" })
  const playlistList = el("ul", { id: "playlists", class: "tracks" })
  const live = el("span", { id: "live", class: "muted" }, "connecting…")
  const notice = el("p", { id: "notice", class: "muted", role: "status" })
  const lyrics = lyricsPanel({ el, api }, base)

  app.replaceChildren(
    el("p", { class: "crumbs" }, el("a", { href: "/dashboard" }, "← Servers"), " ", el("strong", {}, guild?.name ?? guildId), " ", live),
    el("section", { class: "now", "aria-label": "Now playing" }, art,
      el("div", { class: "now-text" }, title, requester, el("div", { class: "seek" }, progress, time),
        el("div", { class: "buttons" }, rateUp, rateDown, rated))),
    el("section", { class: "controls", "aria-label": "Controls" },
      el("div", { class: "buttons" },
        button("Previous", () => control("POST", "/player/previous"), { id: "previous" }), playPause,
        button("Skip", () => attempt(async () => {
          const answer = await api("POST", `${base}/player/skip`)
          render(answer)
          const { vote } = answer
          notice.textContent = vote === null ? ""
            : `${vote.repeated ? "You already voted to skip" : "Your vote to skip counts"}: ${vote.votes} of ${vote.needed} needed.`
        }), { id: "skip" }),
        button("Stop", () => control("POST", "/player/stop"), { id: "stop" }),
        button("Leave", () => control("POST", "/player/leave"), { id: "leave" }),
        button("Shuffle", () => control("POST", "/queue/shuffle"), { id: "shuffle" }),
        button("Clear queue", () => control("DELETE", "/queue"), { id: "clear" })),
      notice,
      el("div", { class: "row" }, el("label", { for: "volume" }, "Volume"), volume, volumeOut),
      el("div", { class: "row" }, loop, equalizer),
      el("fieldset", { class: "effects" }, el("legend", {}, "Effects"),
        ...effectBoxes.map((box) => el("label", {}, box, " ", box.value)))),
    el("section", { "aria-label": "Add a song" }, el("h2", {}, "Add a song"), addForm, uploadForm),
    lyrics.section,
    el("section", { "aria-label": "Queue" }, el("h2", {}, "Queue ", queueCount), queueList),
    el("section", { "aria-label": "History" }, el("h2", {}, "History"), historyList),
    el("section", { "aria-label": "Playlists" }, el("h2", {}, "Saved playlists"), playlistList),
    statsSection(base),
    settingsSection(base, { el, api, attempt }))

  const queueItem = (track) => {
    const name = track.title
    return el("li", {},
      el("span", { class: "pos" }, `${track.position}.`),
      el("span", { class: "t" }, name),
      el("span", { class: "muted" }, length(track)),
      el("span", { class: "acts" },
        button("▶", () => control("POST", `/queue/${track.position}/play`), { "aria-label": `Play ${name} now`, title: "Play now" }),
        button("↑", () => control("POST", "/queue/move", { from: track.position, to: track.position - 1 }),
          { "aria-label": `Move ${name} up`, disabled: track.position === 1 }),
        button("↓", () => control("POST", "/queue/move", { from: track.position, to: track.position + 1 }),
          { "aria-label": `Move ${name} down`, disabled: track.position === view.queueLength }),
        button("×", () => control("DELETE", `/queue/${track.position}`), { "aria-label": `Remove ${name}` })))
  }

  const render = (next) => {
    const before = view?.current?.url
    view = next
    fetchedAt = performance.now()
    const current = next.current
    title.textContent = current === null ? "Nothing is playing" : current.title
    requester.textContent = current === null ? "" : `Requested by ${current.requesterName ?? current.requester} · ${current.source}`
    // A vote and a rating are for one track: a new one starts afresh.
    if (current?.url !== before) notice.textContent = rated.textContent = ""
    // Only a new image is asked for: a render per event must not make the artwork flicker.
    const artwork = current === null ? "♪" : `${current.title}\n${current.artworkUrl}`
    if (art.dataset.showing !== artwork) {
      art.dataset.showing = artwork
      art.replaceChildren(current === null
        ? tile("♪", "art-tile")
        : picture(`${base}/player/artwork`, current.artworkUrl, current.title, "art-tile"))
    }
    playPause.textContent = next.paused ? "Play" : "Pause"
    playPause.disabled = current === null
    rateUp.disabled = rateDown.disabled = current === null
    progress.max = String(current?.durationMs ?? 0)
    progress.disabled = current === null || current.durationMs === null
    if (document.activeElement !== volume) volume.value = String(next.volume)
    volumeOut.textContent = `${next.volume}%`
    if (!changing.has("loop")) loop.querySelector("select").value = next.loop
    const preset = equalizer.querySelector("select")
    if (!changing.has("equalizer")) preset.value = next.equalizer.preset === "custom" ? "" : next.equalizer.preset
    if (!changing.has("effects")) for (const box of effectBoxes) box.checked = next.effects.includes(box.value)
    lyrics.playing(current === null ? null : `${current.url}\n${current.title}`)
    queueCount.textContent = `(${next.queueLength})`
    queueList.replaceChildren(...(next.queue.length === 0 ? [el("li", { class: "muted" }, "The queue is empty.")] : next.queue.map(queueItem)))
    tick()
  }

  /** The bar moves between events: the position the player gave, plus the time since. */
  const tick = () => {
    const current = view?.current
    if (current === null || current === undefined) {
      time.textContent = "0:00 / 0:00"
      if (!dragging) progress.value = "0"
      return
    }
    const elapsed = view.paused ? 0 : performance.now() - fetchedAt
    const position = Math.min(current.positionMs + elapsed, current.durationMs ?? Infinity)
    if (dragging) return
    progress.value = String(Math.round(position))
    lyrics.at(position)
    time.textContent = current.durationMs === null ? `${clock(position)} · ${length(current)}` : `${clock(position)} / ${length(current)}`
  }
  setInterval(tick, 250)

  const refresh = async () => render(await api("GET", `${base}/player?size=100`))

  const loadLibrary = () =>
    attempt(async () => {
      const [history, playlists] = await Promise.all([api("GET", `${base}/history`), api("GET", `${base}/playlists`)])
      historyList.replaceChildren(...(history.plays.length === 0 ? [el("li", { class: "muted" }, "Nothing played yet.")]
        : history.plays.map((play) => el("li", {}, el("span", { class: "t" }, play.title),
          el("span", { class: "muted" }, play.endReason ?? "playing"),
          el("span", { class: "acts" }, button("Play again", () => queueAgain(`/history/${play.id}/replay`, {}),
            { "aria-label": `Play ${play.title} again` }))))))
      const all = [...playlists.own, ...playlists.guild]
      playlistList.replaceChildren(...(all.length === 0 ? [el("li", { class: "muted" }, "No saved playlists.")]
        : all.map((list) => el("li", {}, el("span", { class: "t" }, list.name),
          el("span", { class: "muted" }, `${list.scope === "user" ? "yours" : "server"} · ${list.trackCount} tracks · ${clock(list.durationMs)}`),
          el("span", { class: "acts" },
            button("Load", () => queueAgain(`/playlists/${encodeURIComponent(list.name)}/load`, {}), { "aria-label": `Load ${list.name}` }),
            button("Delete", () => attempt(async () => {
              await api("DELETE", `${base}/playlists/${encodeURIComponent(list.name)}`)
              await loadLibrary()
            }), { "aria-label": `Delete ${list.name}` }))))))
    })

  /** Queues a saved playlist or a track of the history; the page shows it at once rather than at the next event. */
  const queueAgain = (path, body) =>
    attempt(async () => {
      await api("POST", `${base}${path}`, body)
      await refresh()
    })

  // Many events can come at once (a skip ends one track and starts the next): one refetch for them all.
  let pending = null
  const soon = (withLibrary) => {
    if (withLibrary) setTimeout(loadLibrary, 300)
    if (pending !== null) return
    pending = setTimeout(() => {
      pending = null
      attempt(refresh, { background: true })
    }, 50)
  }

  await attempt(refresh)
  loadLibrary()
  const stream = new EventSource(`${base}/events`)
  stream.addEventListener("open", () => {
    live.textContent = "● live"
    document.body.dataset.live = "open"
  })
  stream.addEventListener("error", () => {
    // EventSource reconnects by itself (with Last-Event-ID); closed means it gave up (e.g. logged out).
    live.textContent = stream.readyState === EventSource.CLOSED ? "offline: reload the page" : "reconnecting…"
    document.body.dataset.live = "closed"
  })
  stream.addEventListener("state", (e) => render(JSON.parse(e.data)))
  for (const name of playerEvents) {
    stream.addEventListener(name, () => soon(name === "TrackStarted" || name === "TrackEnded"))
  }
}

/** The guild's stats over a chosen period (`GET …/stats`), read when opened and when the period changes. */
const statsSection = (base) => {
  const periods = [["day", "the last 24 hours"], ["week", "the last 7 days"], ["month", "the last 30 days"],
    ["year", "the last 12 months"], ["all", "all time"]]
  const period = el("select", { id: "stats-period", "aria-label": "Stats period", onchange: () => show() },
    ...periods.map(([value, label]) => el("option", { value, selected: value === "week" }, label)))
  const body = el("div", { id: "stats" })
  const list = (heading, entries, line) => el("div", {}, el("h3", {}, heading),
    entries.length === 0 ? el("p", { class: "muted" }, "Nothing yet.") : el("ol", {}, ...entries.map((e) => el("li", {}, line(e)))))
  const show = () => attempt(async () => {
    const stats = await api("GET", `${base}/stats?period=${period.value}`)
    body.replaceChildren(
      list("Most played", stats.mostPlayed, (t) => `${t.title} (${t.count})`),
      list("Best rated", stats.bestRated, (t) => `${t.title} (${t.score >= 0 ? "+" : ""}${t.score})`),
      list("Top requesters", stats.topRequesters, (r) => `${r.userId} (${r.plays})`),
      list("Most skipped", stats.mostSkipped, (t) => `${t.title} (${t.count})`))
  })
  const details = el("details", { ontoggle: () => { if (details.open) show() } },
    el("summary", {}, "Stats"), el("label", {}, "Period ", period), body)
  return el("section", { "aria-label": "Stats" }, details)
}

const guildId = app.dataset.guild
if (guildId === undefined) picker()
else guildPage(guildId)
