/**
 * The dashboard's login over real HTTP against the whole bot and the fake Discord: Discord's
 * authorization-code flow with state and PKCE clicked through by hand (manual redirects, cookies
 * kept by hand), the session cookie, `/api/v1/me`, the guilds a member shares with the bot, CSRF,
 * Discord's rules applied to each member as the gateway knows them, refused logins, and logout.
 */
import { createHash } from "node:crypto"
import { assert, describe, it } from "vitest"
import { guildOneIcon } from "../fake-discord/Scenario.ts"
import { type Answer, assertProblem, readAnswer } from "../support/problems.ts"
import { blockHarness, eventually, ids } from "./harness.ts"
import { loginFlow, setCookie } from "./loginFlow.ts"

const elsewhere = { id: "199999999999999999", name: "Guild Elsewhere", members: [ids.alice] }

describe("the dashboard login against the fake Discord", () => {
  const h = blockHarness({
    // The polling below could exceed a minute's default budget; the second block tests the budget.
    env: (endpoints, http) => ({
      DISCORD_GUILD_ID: ids.guild,
      PUBLIC_URL: http,
      RATE_LIMIT_API_USER: "1000 per minute",
      ...endpoints.oauthEnv
    }),
    fake: { elsewhere: [elsewhere] },
    tones: { "/a440.ogg": [440, 60], "/b660.ogg": [660, 60] }
  })

  const { begin, consent, callback, loginAs } = loginFlow(h)

  const sessions = new Map<string, { cookie: string; csrf: string }>()

  const api = async (
    who: string,
    method: string,
    path: string,
    options: { readonly body?: unknown; readonly csrf?: boolean } = {}
  ) => {
    const session = sessions.get(who)
    if (session === undefined) throw new Error(`${who} has not logged in`)
    const headers: Record<string, string> = { cookie: `reprise_session=${session.cookie}` }
    if (options.csrf === true) headers["x-csrf-token"] = session.csrf
    if (options.body !== undefined) headers["content-type"] = "application/json"
    return readAnswer(await fetch(`${h.http}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    }))
  }
  const player = `/api/v1/guilds/${ids.guild}/player`

  it("sends the browser to Discord's authorize page with a state and an S256 challenge", async () => {
    const { location, response } = await begin()
    assert.strictEqual(`${location.origin}${location.pathname}`, `${new URL(h.fake.endpoints.apiBase).origin}/oauth2/authorize`)
    const params = location.searchParams
    assert.strictEqual(params.get("response_type"), "code")
    assert.strictEqual(params.get("client_id"), h.fake.oauth.client.clientId)
    assert.strictEqual(params.get("scope"), "identify guilds")
    assert.strictEqual(params.get("redirect_uri"), `${h.http}/auth/callback`)
    assert.strictEqual(params.get("code_challenge_method"), "S256")
    assert.match(params.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/)
    assert.match(params.get("state") ?? "", /^[A-Za-z0-9_-]{43}$/)
    const attempt = setCookie(response.headers, "reprise_login")!
    assert.isTrue(attempt.attrs.has("httponly"))
    assert.strictEqual(attempt.attrs.get("samesite")?.toLowerCase(), "lax")
    assert.strictEqual(attempt.attrs.get("path"), "/auth")
    // The attempt is sealed: neither the state nor anything else of it is readable in the cookie.
    assert.notInclude(Buffer.from(attempt.value, "base64url").toString("latin1"), params.get("state") ?? "")
    const page = await readAnswer(await fetch(location))
    assert.strictEqual(page.status, 200)
    assert.match(page.body, /<button[^>]*value="authorize"[^>]*>Authorize<\/button>/)
  })

  it("logs alice in: the callback makes a session and sets its cookie", async () => {
    const { location, attempt } = await begin()
    const back = await consent(location, ids.alice, "authorize")
    assert.strictEqual(`${back.origin}${back.pathname}`, `${h.http}/auth/callback`)
    assert.strictEqual(back.searchParams.get("state"), location.searchParams.get("state"))
    const landed = await callback(back, attempt)
    assert.strictEqual(landed.status, 302)
    assert.strictEqual(landed.headers.get("location"), "/dashboard")
    const session = setCookie(landed.headers, "reprise_session")!
    assert.match(session.value, /^[A-Za-z0-9_-]{43}$/)
    assert.isTrue(session.attrs.has("httponly"))
    assert.strictEqual(session.attrs.get("samesite")?.toLowerCase(), "lax")
    assert.strictEqual(session.attrs.get("path"), "/")
    assert.strictEqual(session.attrs.get("max-age"), String(7 * 24 * 3600))
    assert.isFalse(session.attrs.has("secure"), "PUBLIC_URL is http: a Secure cookie would never come back")
    assert.strictEqual(setCookie(landed.headers, "reprise_login")?.attrs.get("max-age"), "0", "the attempt is used up")

    // The bot traded the code with the verifier whose S256 is the challenge it sent.
    const exchange = h.fake.oauth.calls.find((c) => c.path === "/oauth2/token" && c.status === 200)
    assert.isDefined(exchange)
    const verifier = exchange!.form["code_verifier"] ?? ""
    assert.strictEqual(createHash("sha256").update(verifier).digest("base64url"), location.searchParams.get("code_challenge"))
    assert.strictEqual(exchange!.form["redirect_uri"], `${h.http}/auth/callback`)

    const dashboard = await readAnswer(await fetch(`${h.http}/dashboard`, { headers: { cookie: `reprise_session=${session.value}` } }))
    assert.strictEqual(dashboard.status, 200)
    assert.include(dashboard.body, "Logged in as alice")
    const me = await readAnswer(await fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${session.value}` } }))
    assert.strictEqual(me.status, 200, JSON.stringify(me.body))
    sessions.set("alice", { cookie: session.value, csrf: me.body.csrfToken })
  })

  it("tells alice who she is and lists the guilds she shares with the bot, not the others", async () => {
    const me = await api("alice", "GET", "/api/v1/me")
    assert.deepInclude(me.body, { id: ids.alice, username: "alice", avatar: null })
    assert.match(me.body.csrfToken, /^[A-Za-z0-9_-]{43}$/)
    const shared = [
      { id: ids.guild, name: "Guild One", icon: `${h.fake.endpoints.env.DISCORD_CDN_BASE}/icons/${ids.guild}/${guildOneIcon}.png?size=128`, active: false },
      { id: ids.otherGuild, name: "Guild Two", icon: null, active: false }
    ]
    assert.deepStrictEqual(me.body.guilds, shared)
    const guilds = await api("alice", "GET", "/api/v1/guilds")
    assert.strictEqual(guilds.status, 200)
    assert.deepStrictEqual(guilds.body, shared, "Guild Elsewhere, which has no bot, is left out")
    assertProblem(await api("alice", "GET", `/api/v1/guilds/${elsewhere.id}/player`), 404, /bot is not in/)
  })

  it("refuses a change without the CSRF token, and makes it with the token", async () => {
    const query = { query: h.files.url("/a440.ogg") }
    assertProblem(await api("alice", "POST", `/api/v1/guilds/${ids.guild}/queue`, { body: query }), 403, /X-CSRF-Token/)
    const wrong = await fetch(`${h.http}/api/v1/guilds/${ids.guild}/queue`, {
      method: "POST",
      headers: { cookie: `reprise_session=${sessions.get("alice")!.cookie}`, "x-csrf-token": "x".repeat(43), "content-type": "application/json" },
      body: JSON.stringify(query)
    })
    assertProblem(await readAnswer(wrong), 403, /X-CSRF-Token/)
    assert.strictEqual((await api("alice", "GET", player)).body.current, null, "nothing was queued")

    // alice is in "Music": what she starts plays there, as /play would.
    const queued = await api("alice", "POST", `/api/v1/guilds/${ids.guild}/queue`, { body: query, csrf: true })
    assert.strictEqual(queued.status, 200, JSON.stringify(queued.body))
    assert.deepInclude(queued.body.tracks[0], { position: 0, requester: ids.alice })
    const next = { query: h.files.url("/b660.ogg") }
    assert.strictEqual((await api("alice", "POST", `/api/v1/guilds/${ids.guild}/queue`, { body: next, csrf: true })).status, 200)
    await eventually(() => h.fake.voiceChannelOf(ids.guild) === ids.music, "the bot in Music")
    const settings = await api("alice", "PATCH", `/api/v1/guilds/${ids.guild}/settings`, { body: { djRoleId: ids.dj }, csrf: true })
    assert.strictEqual(settings.status, 200, JSON.stringify(settings.body))
    assert.strictEqual(settings.body.djRoleId, ids.dj)
  })

  it("holds bob, in the channel but no DJ, to Discord's rules: no volume, and his skip is a vote", async () => {
    const cookie = await loginAs(ids.bob)
    sessions.set("bob", { cookie, csrf: "" })
    const me = await api("bob", "GET", "/api/v1/me")
    sessions.set("bob", { cookie, csrf: me.body.csrfToken })
    assert.deepStrictEqual(me.body.guilds.map((g: { id: string }) => g.id), [ids.guild])
    assertProblem(await api("bob", "PUT", `${player}/volume`, { body: { level: 50 }, csrf: true }), 403, /Only DJs/)
    assert.strictEqual((await api("bob", "GET", player)).body.volume, 100)
    assertProblem(await api("bob", "GET", `/api/v1/guilds/${ids.otherGuild}/player`), 403, /not a member/)

    const skipped = await api("bob", "POST", `${player}/skip`, { csrf: true })
    assert.strictEqual(skipped.status, 200, JSON.stringify(skipped.body))
    assert.strictEqual(skipped.body.current.url, h.files.url("/a440.ogg"), "one vote of the two needed: the track plays on")
    assert.deepStrictEqual(skipped.body.vote, { votes: 1, needed: 2, repeated: false })
    const again = await api("bob", "POST", `${player}/skip`, { csrf: true })
    assert.deepStrictEqual(again.body.vote, { votes: 1, needed: 2, repeated: true }, "a second vote is the same one")
  })

  it("refuses carol a control while she is in no voice channel, and counts her vote once she joins", async () => {
    const cookie = await loginAs(ids.carol)
    sessions.set("carol", { cookie, csrf: (await readAnswer(await fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${cookie}` } }))).body.csrfToken })
    assertProblem(await api("carol", "POST", `${player}/pause`, { csrf: true }), 403, /voice channel/)
    assert.isFalse((await api("carol", "GET", player)).body.paused)

    // Three listeners now: bob's vote and carol's make the two needed.
    h.fake.userJoinsVoice(ids.carol, ids.guild, ids.music)
    await eventually(() => h.fake.world.guild(ids.guild).voice.get(ids.carol)?.channelId === ids.music, "carol in Music")
    let after: Answer | undefined
    for (let attempt = 0; attempt < 20; attempt++) {
      after = await api("carol", "POST", `${player}/skip`, { csrf: true })
      if (after.status === 200) break
      // The gateway may not have told the bot yet that carol joined.
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.strictEqual(after?.status, 200, JSON.stringify(after?.body))
    assert.strictEqual(after?.body.current.url, h.files.url("/b660.ogg"), "bob's earlier vote counted: the vote passed")
    assert.isNull(after?.body.vote, "a skip that happened is no vote")
  })

  it("serves a member the library under the same rules: the history to anyone, the audit log to managers", async () => {
    // History is written in the background: give the writer a moment.
    let urls: ReadonlyArray<string> = []
    for (let attempt = 0; attempt < 50 && !urls.includes(h.files.url("/a440.ogg")); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100))
      const history = await api("bob", "GET", `/api/v1/guilds/${ids.guild}/history`)
      assert.strictEqual(history.status, 200, JSON.stringify(history.body))
      urls = history.body.plays.map((p: { url: string }) => p.url)
    }
    assert.include(urls, h.files.url("/a440.ogg"))
    assertProblem(await api("bob", "GET", `/api/v1/guilds/${ids.guild}/audit`), 403, /Manage Server/)
    const audit = await api("alice", "GET", `/api/v1/guilds/${ids.guild}/audit`)
    assert.strictEqual(audit.status, 200, JSON.stringify(audit.body))
  })

  it("refuses a forged or missing state, a denied consent and a code Discord refuses, each as a problem", async () => {
    const { location, attempt } = await begin()
    const back = await consent(location, ids.alice, "authorize")
    const forged = new URL(back)
    forged.searchParams.set("state", "forged-state")
    assertProblem(await readAnswer(await callback(forged, attempt)), 400, /not valid any more/)
    assertProblem(await readAnswer(await callback(back, null)), 400, /not valid any more/)
    assertProblem(await readAnswer(await callback(back, `${attempt.slice(0, -2)}AA`)), 400, /not valid any more/)

    const denied = await begin()
    const cancelled = await consent(denied.location, ids.alice, "cancel")
    assert.strictEqual(cancelled.searchParams.get("error"), "access_denied")
    assertProblem(await readAnswer(await callback(cancelled, denied.attempt)), 403, /did not authorize/)

    const bogus = await begin()
    const url = new URL(`${h.http}/auth/callback`)
    url.searchParams.set("code", "not-a-code")
    url.searchParams.set("state", bogus.location.searchParams.get("state") ?? "")
    assertProblem(await readAnswer(await callback(url, bogus.attempt)), 400, /refused this login/)
  })

  it("logs out with the CSRF token only, after which the cookie opens nothing", async () => {
    const cookie = sessions.get("alice")!.cookie
    const logout = (headers: Record<string, string>) =>
      fetch(`${h.http}/auth/logout`, { method: "POST", headers: { cookie: `reprise_session=${cookie}`, ...headers } })
    assertProblem(await readAnswer(await logout({})), 403, /X-CSRF-Token/)
    assert.strictEqual((await api("alice", "GET", "/api/v1/me")).status, 200)
    const out = await logout({ "x-csrf-token": sessions.get("alice")!.csrf })
    assert.strictEqual(out.status, 204)
    assert.strictEqual(setCookie(out.headers, "reprise_session")?.attrs.get("max-age"), "0")
    assertProblem(await api("alice", "GET", "/api/v1/me"), 401, /log in again/)
    assertProblem(await api("alice", "GET", player), 401)
    assertProblem(await readAnswer(await fetch(`${h.http}/api/v1/me`)), 401, /Bearer/)
  })

  it("never logs the client secret, a session id or an access token", () => {
    const output = h.bot.output()
    assert.include(output, "dashboard login")
    assert.notInclude(output, h.fake.oauth.client.clientSecret)
    for (const { cookie } of sessions.values()) assert.notInclude(output, cookie)
    for (const call of h.fake.oauth.calls) if (call.form["code"] !== undefined) assert.notInclude(output, call.form["code"])
  })
})

describe("the dashboard login when Discord fails it, and under the per-user budget", () => {
  const h = blockHarness({
    env: (endpoints, http) => ({ PUBLIC_URL: http, RATE_LIMIT_API_USER: "3 per minute", ...endpoints.oauthEnv }),
    tones: {}
  })
  const { begin, consent, callback, loginAs } = loginFlow(h)

  /** A login that reaches the callback, with Discord failing `path` once as given. */
  const failedBy = async (path: string, status: number, body: unknown) => {
    const { location, attempt } = await begin()
    const back = await consent(location, ids.bob, "authorize")
    h.fake.oauth.failNext(path, status, body)
    return readAnswer(await callback(back, attempt))
  }

  it("answers a Discord that fails, or refuses the bot's credentials, with a problem that says so", async () => {
    assertProblem(await failedBy("/oauth2/token", 500, { message: "500: Internal Server Error" }), 503, /could not be reached/)
    assertProblem(await failedBy("/oauth2/token", 401, { error: "invalid_client" }), 502, /DISCORD_CLIENT_SECRET/)
    assertProblem(await failedBy("/oauth2/token", 200, { access_token: 1 }), 502, /unexpected/)
    assertProblem(await failedBy("/users/@me", 503, { message: "503" }), 503, /could not be reached/)
    assertProblem(await failedBy("/users/@me/guilds", 200, [{ id: "not-a-snowflake", name: 3 }]), 502, /unexpected/)
    const output = h.bot.output()
    assert.match(output, /dashboard login failed/)
    assert.include(output, "token: HTTP 401", "the log says what Discord answered")
  })

  it("counts a session's requests against its user's budget: 429 with Retry-After past it", async () => {
    const cookie = await loginAs(ids.bob)
    const me = () => fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${cookie}` } })
    for (let i = 0; i < 3; i++) assert.strictEqual((await me()).status, 200)
    const limited = await readAnswer(await me())
    assertProblem(limited, 429, /try again in \d+ second/)
    assert.isAtLeast(Number(limited.headers.get("retry-after")), 1)
    // Another user has a budget of their own.
    const other = await loginAs(ids.carol)
    assert.strictEqual((await fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${other}` } })).status, 200)
  })
})
