// The dashboard's settings form (`PATCH …/settings`): the DJ role, the vote share, autoplay, 24/7, reposting,
// the crossfade, the parts SponsorBlock skips, the guild's limits and which actions only DJs may take.
// The rules say who may change them.

const groups = [
  ["pause", "Pause and resume"], ["seek", "Seek"], ["skip", "Skip, jump ahead and go back (no votes)"],
  ["queue", "Remove, move and shuffle"], ["loop", "Loop"], ["volume", "Volume"], ["effects", "Effects and equalizer"],
  ["stop", "Stop and leave"], ["clear", "Clear the queue"]
]

const sponsorCategories = [
  ["music_offtopic", "Non-music parts"], ["sponsor", "Sponsors"], ["selfpromo", "Self-promotion"],
  ["interaction", "Subscribe reminders"], ["intro", "Intros"], ["outro", "Outros"], ["preview", "Previews"], ["filler", "Filler"]
]

/** A limit's field: empty for none of the guild's own (the bot's cap alone). */
const limitValue = (input) => input.value.trim() === "" ? null : Number(input.value)

export const settingsSection = (base, { el, api, attempt }) => {
  const role = el("select", { id: "dj-role" }, el("option", { value: "" }, "none: everyone may control the music"))
  const share = el("input", { id: "vote-share", type: "number", min: 1, max: 100, step: 1, "aria-label": "Vote share in percent" })
  const autoplay = el("input", { id: "autoplay", type: "checkbox" })
  const stay = el("input", { id: "stay", type: "checkbox" })
  const repost = el("input", { id: "repost", type: "checkbox" })
  const crossfade = el("input", { id: "crossfade", type: "number", min: 0, max: 12, step: 1, "aria-label": "Crossfade in seconds" })
  const skips = Object.fromEntries(sponsorCategories.map(([name]) => [name, el("input", { id: `skip-${name}`, type: "checkbox" })]))
  const limit = (id) => el("input", { id, type: "number", min: 1, max: 10000, step: 1, placeholder: "no limit" })
  const queueLimit = limit("max-queue-length")
  const playlistLimit = limit("max-playlist-size")
  const trackLimit = el("input", { id: "max-track-minutes", type: "number", min: 1, max: 1440, step: 1, placeholder: "no limit" })
  const duplicates = el("input", { id: "allow-duplicates", type: "checkbox" })
  const djOnly = Object.fromEntries(groups.map(([name]) => [name, el("input", { id: `dj-only-${name}`, type: "checkbox" })]))
  const status = el("span", { class: "muted", role: "status" })
  const show = (settings) => {
    // A DJ role deleted since it was set is still shown, so saving keeps it unless it is changed.
    if (settings.djRoleId !== null && ![...role.options].some((o) => o.value === settings.djRoleId)) {
      role.append(el("option", { value: settings.djRoleId }, `a role no longer there (${settings.djRoleId})`))
    }
    role.value = settings.djRoleId ?? ""
    share.value = String(Math.round(settings.voteSkipRatio * 100))
    autoplay.checked = settings.autoplay
    stay.checked = settings.stay
    repost.checked = settings.repost
    crossfade.value = String(settings.crossfade)
    for (const [name, box] of Object.entries(skips)) box.checked = settings.sponsorBlock.includes(name)
    queueLimit.value = settings.maxQueueLength === null ? "" : String(settings.maxQueueLength)
    playlistLimit.value = settings.maxPlaylistSize === null ? "" : String(settings.maxPlaylistSize)
    trackLimit.value = settings.maxTrackMinutes === null ? "" : String(settings.maxTrackMinutes)
    duplicates.checked = settings.allowDuplicates
    for (const [name, box] of Object.entries(djOnly)) box.checked = settings.djOnly[name]
  }
  const form = el("form", { id: "settings", onsubmit: (e) => {
    e.preventDefault()
    attempt(async () => {
      show(await api("PATCH", `${base}/settings`, {
        djRoleId: role.value.trim() === "" ? null : role.value.trim(),
        voteSkipRatio: Number(share.value) / 100,
        autoplay: autoplay.checked,
        stay: stay.checked,
        repost: repost.checked,
        crossfade: Number(crossfade.value),
        sponsorBlock: Object.entries(skips).filter(([, box]) => box.checked).map(([name]) => name),
        maxQueueLength: limitValue(queueLimit),
        maxPlaylistSize: limitValue(playlistLimit),
        maxTrackMinutes: limitValue(trackLimit),
        allowDuplicates: duplicates.checked,
        djOnly: Object.fromEntries(Object.entries(djOnly).map(([name, box]) => [name, box.checked]))
      }))
      status.textContent = "Saved."
    })
  } },
  el("label", {}, "DJ role ", role), el("label", {}, "Vote share to skip (%) ", share),
  el("label", {}, autoplay, " Autoplay when the queue ends"),
  el("label", {}, stay, " 24/7: stay in the voice channel when the queue ends or everyone leaves"),
  el("label", {}, repost, " Post now playing anew at the bottom of the channel for each track"),
  el("label", {}, "Crossfade between tracks (seconds, 0: off) ", crossfade),
  el("fieldset", {}, el("legend", {}, "Skip in YouTube videos (SponsorBlock)"),
    ...sponsorCategories.map(([name, text]) => el("label", {}, skips[name], ` ${text}`))),
  el("label", {}, "Most tracks in the queue ", queueLimit), el("label", {}, "Most tracks in a playlist ", playlistLimit),
  el("label", {}, "Longest track (minutes) ", trackLimit),
  el("label", {}, duplicates, " A track already queued may be queued again"),
  el("fieldset", {}, el("legend", {}, "Only DJs may"), ...groups.map(([name, text]) => el("label", {}, djOnly[name], ` ${text}`))),
  el("button", { type: "submit" }, "Save settings"), status)
  Promise.all([api("GET", `${base}/roles`), api("GET", `${base}/settings`)]).then(([roles, settings]) => {
    role.append(...roles.map((r) => el("option", { value: r.id }, r.name)))
    show(settings)
  }, (error) => { status.textContent = error.message })
  return el("section", { "aria-label": "Settings" }, el("details", {}, el("summary", {}, "Settings"), form))
}
