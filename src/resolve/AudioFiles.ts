/** File extensions played as audio files: by link, as uploads and from the local library. */
export const AUDIO_EXTENSIONS: ReadonlyArray<string> = [".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".opus", ".flac", ".webm", ".aac"]

/** A title for a file that has none in its tags: its name without extension, underscores as spaces. */
export const fileTitle = (path: string): string => {
  const base = decodeURIComponent(path.split("/").pop() ?? path)
  return base.replace(/\.[a-z0-9]{2,5}$/i, "").replace(/[_]+/g, " ").trim() || base
}
