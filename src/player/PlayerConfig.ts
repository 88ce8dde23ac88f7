import { Context, type Duration } from "effect"
import { DurationText, withDefault } from "../config/Fields.ts"
import { section } from "../config/Section.ts"

export interface PlayerSettings {
  /** How long a guild's player stays with nothing playing before it leaves voice. */
  readonly idleTimeout: Duration.Duration
}

export class PlayerConfig extends Context.Service<PlayerConfig, PlayerSettings>()("reprise/player/PlayerConfig") {
  static readonly section = section({
    fields: { PLAYER_IDLE_TIMEOUT: DurationText.pipe(withDefault("5 minutes")) },
    build: (e): PlayerSettings => ({ idleTimeout: e.PLAYER_IDLE_TIMEOUT })
  })
}
