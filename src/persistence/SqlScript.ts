/**
 * Splits an SQL script into its statements. PostgreSQL's extended protocol (which the
 * client uses for every query) takes one statement at a time, so a migration file is
 * run statement by statement. Semicolons inside quotes, quoted identifiers, dollar-quoted
 * bodies and comments do not split.
 */
export const splitStatements = (script: string): ReadonlyArray<string> => {
  const statements: Array<string> = []
  let start = 0
  let i = 0
  const push = (end: number) => {
    const text = script.slice(start, end).trim()
    if (stripComments(text).trim() !== "") statements.push(text)
  }
  while (i < script.length) {
    const char = script[i]
    const next = script[i + 1]
    if (char === "'" || char === "\"") {
      i = skipQuoted(script, i, char)
    } else if (char === "-" && next === "-") {
      const end = script.indexOf("\n", i)
      i = end === -1 ? script.length : end + 1
    } else if (char === "/" && next === "*") {
      const end = script.indexOf("*/", i + 2)
      i = end === -1 ? script.length : end + 2
    } else if (char === "$") {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(script.slice(i))?.[0]
      if (tag === undefined) {
        i++
      } else {
        const end = script.indexOf(tag, i + tag.length)
        i = end === -1 ? script.length : end + tag.length
      }
    } else if (char === ";") {
      push(i)
      start = i + 1
      i++
    } else {
      i++
    }
  }
  push(script.length)
  return statements
}

/** Index just past the closing quote; a doubled quote is an escaped one. */
const skipQuoted = (script: string, open: number, quote: string): number => {
  let i = open + 1
  while (i < script.length) {
    if (script[i] === quote) {
      if (script[i + 1] === quote) i += 2
      else return i + 1
    } else {
      i++
    }
  }
  return script.length
}

const stripComments = (text: string): string => text.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "")
