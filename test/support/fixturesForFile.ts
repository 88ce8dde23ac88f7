import { afterAll, beforeAll } from "vitest"
import { makeFixtureDir, removeFixtureDir } from "./audioFixtures.ts"

/** Makes one fixture in `dir` and returns its path (e.g. `(dir) => generateTone(dir, options)`). */
export type FixtureMaker = (dir: string) => Promise<string>

export interface FileFixtures<K extends string> {
  /** The path of each fixture, filled in before the file's first test. */
  readonly files: Readonly<Record<K, string>>
  /** The directory they are in, for paths the tests make up themselves. */
  readonly dir: () => string
}

/**
 * The fixtures of one test file: made in parallel in a fresh directory before its tests, and
 * removed with the directory after them. Call it at the top of the file. (Kept apart from
 * audioFixtures.ts, which the benchmark imports outside Vitest.)
 */
export const fixturesForFile = <K extends string>(
  prefix: string,
  makers: Readonly<Record<K, FixtureMaker>>
): FileFixtures<K> => {
  const files: Partial<Record<K, string>> = {}
  let dir: string | undefined
  beforeAll(async () => {
    const made = await makeFixtureDir(prefix)
    dir = made
    const keys = Object.keys(makers) as Array<K>
    await Promise.all(keys.map(async (key) => {
      files[key] = await makers[key](made)
    }))
  })
  afterAll(async () => {
    if (dir !== undefined) await removeFixtureDir(dir)
  })
  return {
    files: files as Readonly<Record<K, string>>,
    dir: () => {
      if (dir === undefined) throw new Error("the fixtures are made in beforeAll")
      return dir
    }
  }
}
