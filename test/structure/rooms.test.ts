/**
 * The house rules of the source tree, checked on every run: a room (a folder of src/) imports
 * only from rooms below it, the two edges never import each other, and no file grows past the
 * size where it should be split. docs/architecture.md explains the order.
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

/** Low to high. Rooms on one line are peers and may not import each other. */
export const ROOMS: ReadonlyArray<ReadonlyArray<string>> = [
  ["schema"],
  ["config"],
  ["observability"],
  ["resilience"],
  ["persistence"],
  ["gateway"],
  ["audio"],
  ["resolve", "lyrics", "sponsorblock"],
  ["voice"],
  ["player"],
  ["control"],
  ["discord", "http"],
  ["app"]
]

const rank = new Map(ROOMS.flatMap((rooms, i) => rooms.map((room) => [room, i] as const)))

/** `schema/…` is the schema room, `src/<room>/…` its room, and the files directly in src/ are the app. */
const roomOf = (path: string): string => {
  const [top, second, third] = relative(root, path).split("/")
  if (top === "schema") return "schema"
  if (top === "src") return third === undefined ? "app" : second!
  throw new Error(`${path} is outside src/ and schema/`)
}

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.(ts|js)$/.test(entry.name) ? [path] : []
  })

const files = [...sources(join(root, "src")), ...sources(join(root, "schema"))]

const importsOf = (path: string): Array<string> =>
  Array.from(readFileSync(path, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g), (m) => m[1]!)
    .map((specifier) => resolve(dirname(path), specifier))

describe("the rooms of the source tree", () => {
  it("every room is known", () => {
    for (const file of files) assert.isTrue(rank.has(roomOf(file)), `${relative(root, file)}: no such room`)
  })

  it("no import runs upward, and the edges never import each other", () => {
    const upward: Array<string> = []
    for (const file of files) {
      const from = roomOf(file)
      for (const target of importsOf(file)) {
        const to = roomOf(target)
        if (to === from) continue
        if (rank.get(to)! >= rank.get(from)!) upward.push(`${relative(root, file)} (${from}) → ${relative(root, target)} (${to})`)
      }
    }
    assert.deepStrictEqual(upward, [])
  })

  it("keeps files small enough to read in one sitting", () => {
    const long = files
      .map((file) => ({ file: relative(root, file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter((f) => f.lines > 400)
    assert.deepStrictEqual(long, [])
  })
})
