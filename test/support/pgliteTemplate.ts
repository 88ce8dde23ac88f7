/**
 * An embedded database folder as PGlite leaves it after its first start: initialised, empty, no
 * migration applied. PGlite's first start in an empty folder (initdb in WebAssembly) takes seconds
 * on a loaded machine where opening an existing folder takes half of one; a test whose subject is
 * not that first start copies this instead. The bot still applies its migrations to the copy.
 *
 * Made once per PGlite version under the temp folder and shared by every test process: built
 * beside it, then renamed into place, so a process never copies a half-made one.
 */
import { PGlite } from "@electric-sql/pglite"
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A folder made by one PGlite version is not for another. */
const pgliteVersion = (): string => {
  const manifest = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url)
  return String((JSON.parse(readFileSync(manifest, "utf8")) as { readonly version?: unknown }).version)
}

let made: Promise<string> | undefined

const template = (): Promise<string> => {
  made ??= (async () => {
    const path = join(tmpdir(), `reprise-pglite-template-${pgliteVersion()}`)
    if (existsSync(path)) return path
    const building = mkdtempSync(join(tmpdir(), "reprise-pglite-building-"))
    const db = await PGlite.create(join(building, "pglite"))
    await db.close()
    try {
      renameSync(building, path)
    } catch (error) {
      // Another test process put its own in place first: use that one.
      rmSync(building, { recursive: true, force: true })
      if (!existsSync(path)) throw error
    }
    return path
  })()
  return made
}

/** Puts an initialised, empty embedded database where the bot with DATA_DIR `dataDir` opens it. */
export const seedEmbeddedDatabase = async (dataDir: string): Promise<void> => {
  cpSync(join(await template(), "pglite"), join(dataDir, "pglite"), { recursive: true })
}
