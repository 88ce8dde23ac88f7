import { assert, describe, it } from "@effect/vitest"
import { splitStatements } from "../../src/persistence/SqlScript.ts"

describe("splitStatements", () => {
  it("splits on semicolons and drops empty and comment-only pieces", () => {
    assert.deepStrictEqual(
      splitStatements("CREATE TABLE a (x int);\n-- a comment; with a semicolon\nCREATE TABLE b (y int);\n;\n/* done; */"),
      ["CREATE TABLE a (x int)", "-- a comment; with a semicolon\nCREATE TABLE b (y int)"]
    )
  })

  it("keeps semicolons inside strings, identifiers and dollar quotes", () => {
    const script = [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      "CREATE TABLE \"odd;name\" (x int)",
      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
      "DO $$ BEGIN PERFORM 1; END $$"
    ]
    assert.deepStrictEqual(splitStatements(script.join(";\n") + ";"), script)
  })

  it("keeps a final statement without a semicolon", () => {
    assert.deepStrictEqual(splitStatements("SELECT 1; SELECT 2"), ["SELECT 1", "SELECT 2"])
  })
})
