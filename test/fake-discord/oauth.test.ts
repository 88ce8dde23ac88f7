/** The fake's OAuth2 side on its own, so the login e2e can trust what it refuses. */
import { createHash } from "node:crypto"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { FakeDiscord } from "./FakeDiscord.ts"
import { defaultScenario } from "./Scenario.ts"

const { scenario, ids } = defaultScenario()
const redirectUri = "http://127.0.0.1:9/auth/callback"
const verifier = "v".repeat(43)
const challenge = createHash("sha256").update(verifier).digest("base64url")

describe("FakeDiscord OAuth2", () => {
  const fake = new FakeDiscord({ scenario, elsewhere: [{ id: "199999999999999999", name: "Elsewhere", members: [ids.bob] }] })
  let origin = ""
  let api = ""
  beforeAll(async () => {
    api = `${(await fake.start()).apiBase}/v10`
    origin = new URL(api).origin
  })
  afterAll(() => fake.stop())

  const authorizeParams = () =>
    new URLSearchParams({
      client_id: fake.oauth.client.clientId,
      response_type: "code",
      scope: "identify guilds",
      state: "s1",
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: "S256"
    })

  /** A code for bob, from the consent form. */
  const code = async () => {
    const form = authorizeParams()
    form.set("user", ids.bob)
    form.set("decision", "authorize")
    const response = await fetch(`${origin}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" })
    assert.strictEqual(response.status, 302)
    const back = new URL(response.headers.get("location") ?? "")
    assert.strictEqual(back.searchParams.get("state"), "s1")
    return back.searchParams.get("code") ?? ""
  }

  const exchange = async (fields: Record<string, string>) => {
    const response = await fetch(`${api}/oauth2/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: fake.oauth.client.clientId,
        client_secret: fake.oauth.client.clientSecret,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        ...fields
      })
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it("shows a consent page only to the application it knows", async () => {
    const page = await fetch(`${origin}/oauth2/authorize?${authorizeParams()}&user=${ids.bob}`)
    assert.strictEqual(page.status, 200)
    assert.match(await page.text(), new RegExp(`<option value="${ids.bob}" selected>bob</option>`))
    const other = authorizeParams()
    other.set("client_id", "1")
    assert.strictEqual((await fetch(`${origin}/oauth2/authorize?${other}`)).status, 400)
  })

  it("trades a code once, for its verifier, redirect and client only", async () => {
    assert.deepInclude((await exchange({ code: await code(), code_verifier: "w".repeat(43) })).body, { error: "invalid_grant" })
    assert.deepInclude((await exchange({ code: await code(), redirect_uri: "http://127.0.0.1:9/else" })).body, { error: "invalid_grant" })
    const wrongSecret = await exchange({ code: await code(), client_secret: "nope" })
    assert.strictEqual(wrongSecret.status, 401)
    assert.strictEqual(wrongSecret.body["error"], "invalid_client")
    const good = await code()
    const token = await exchange({ code: good })
    assert.strictEqual(token.status, 200, JSON.stringify(token.body))
    assert.deepInclude(token.body, { token_type: "Bearer", scope: "identify guilds", expires_in: 604800 })
    assert.isString(token.body["refresh_token"])
    assert.strictEqual((await exchange({ code: good })).status, 400, "a code is good once")

    const read = (path: string, bearer: unknown) =>
      fetch(`${api}${path}`, { headers: { authorization: `Bearer ${String(bearer)}` } })
    const user = (await (await read("/users/@me", token.body["access_token"])).json()) as Record<string, unknown>
    assert.deepInclude(user, { id: ids.bob, username: "bob" })
    const guilds = (await (await read("/users/@me/guilds", token.body["access_token"])).json()) as ReadonlyArray<{ id: string }>
    assert.deepStrictEqual(guilds.map((g) => g.id), [ids.guild, "199999999999999999"])
    assert.strictEqual((await read("/users/@me", "made-up")).status, 401)
  })
})
