/** Discord's login to the dashboard, clicked through by hand for the end-to-end tests that need a member's session. */
import { assert } from "vitest"
import type { BlockHarness } from "./harness.ts"

/** The Set-Cookie line of `name`, split into its value and attributes (lower-cased names). */
export const setCookie = (headers: Headers, name: string) => {
  const line = headers.getSetCookie().find((c) => c.startsWith(`${name}=`))
  if (line === undefined) return undefined
  const [pair = "", ...attributes] = line.split(";").map((part) => part.trim())
  const value = pair.slice(name.length + 1)
  const attrs = new Map(attributes.map((a) => {
    const [key = "", v = ""] = a.split("=")
    return [key.toLowerCase(), v] as const
  }))
  return { value, attrs }
}

/** Discord's login clicked through by hand: manual redirects, the cookies carried by hand. */
export const loginFlow = (h: BlockHarness) => {
  /** Starts a login: the redirect to Discord, and the attempt cookie it set. */
  const begin = async () => {
    const response = await fetch(`${h.http}/auth/login`, { redirect: "manual" })
    assert.strictEqual(response.status, 302)
    const attempt = setCookie(response.headers, "reprise_login")
    assert.isDefined(attempt)
    return { location: new URL(response.headers.get("location") ?? ""), attempt: attempt!.value, response }
  }

  /** Discord's consent form, answered as `userId`: the redirect back to the bot. */
  const consent = async (authorize: URL, userId: string, decision: "authorize" | "cancel") => {
    const form = new URLSearchParams(authorize.searchParams)
    form.set("user", userId)
    form.set("decision", decision)
    const response = await fetch(`${authorize.origin}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" })
    assert.strictEqual(response.status, 302)
    return new URL(response.headers.get("location") ?? "")
  }

  const callback = async (url: URL | string, attempt: string | null) =>
    fetch(url, { redirect: "manual", headers: attempt === null ? {} : { cookie: `reprise_login=${attempt}` } })

  /** A whole login as `userId`: the session cookie's value. */
  const loginAs = async (userId: string) => {
    const { location, attempt } = await begin()
    const back = await consent(location, userId, "authorize")
    const landed = await callback(back, attempt)
    assert.strictEqual(landed.status, 302, await landed.text())
    const session = setCookie(landed.headers, "reprise_session")
    assert.isDefined(session)
    return session!.value
  }
  return { begin, consent, callback, loginAs }
}
