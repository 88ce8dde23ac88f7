/**
 * A stand-in for yt-dlp, offline: a script that logs what each run was asked for, answers some
 * targets with yt-dlp's own error texts (or with a JSON it would print), hands local URLs (and flag-only runs such as `--version`)
 * to the real yt-dlp, and refuses anything else, so no test reaches a public host through it.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

export type StandInAnswer =
  | {
    /** A shell `case` pattern on the run's target (its last argument), e.g. `ytsearch*`. */
    readonly match: string
    /** What yt-dlp would print on stderr for it; the run then exits 1. */
    readonly stderr: string
  }
  | {
    readonly match: string
    /** A file holding what yt-dlp would print on stdout for it (its JSON), written before the run; the run then succeeds. */
    readonly stdoutFile: string
  }

export interface YtDlpStandIn {
  /** The script, for YTDLP_PATH or the resolver's `ytdlp.path`. */
  readonly path: string
  /** What each run was asked for (its target), in order, `--version` aside. */
  readonly runs: () => ReadonlyArray<string>
}

export const ytdlpStandIn = (dir: string, answers: ReadonlyArray<StandInAnswer> = []): YtDlpStandIn => {
  const log = join(dir, "yt-dlp.log")
  const path = join(dir, "yt-dlp")
  writeFileSync(log, "")
  const cases = answers.map((answer, i) => {
    if ("stdoutFile" in answer) return `  ${answer.match}) cat '${answer.stdoutFile}'; exit 0 ;;`
    const file = join(dir, `yt-dlp-answer-${i}.txt`)
    writeFileSync(file, answer.stderr)
    return `  ${answer.match}) cat '${file}' >&2; exit 1 ;;`
  })
  writeFileSync(path, [
    "#!/bin/sh",
    `printf '%s\\n' "$*" >> '${log}'`,
    "for target; do :; done",
    `case "$target" in`,
    ...cases,
    `  http://127.0.0.1[:/]*|http://localhost[:/]*|-*) exec yt-dlp "$@" ;;`,
    `  *) echo "stand-in yt-dlp: $target is not on this machine" >&2; exit 2 ;;`,
    "esac",
    ""
  ].join("\n"))
  chmodSync(path, 0o755)
  return {
    path,
    runs: () =>
      readFileSync(log, "utf8").split("\n").filter((l) => l !== "" && !l.includes("--version")).map((l) => l.split(" -- ").at(-1)!)
  }
}
