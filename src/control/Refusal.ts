import { Schema } from "effect"
import { ChannelId } from "../../schema/Ids.ts"

const channel = (id: string) => `<#${id}>`

/** The caller is in no voice channel. */
export class NotInVoice extends Schema.TaggedClass<NotInVoice>()("NotInVoice", {}) {
  get message() {
    return "Join a voice channel first, then ask again."
  }
}

/** The bot plays to listeners in another channel. */
export class BusyElsewhere extends Schema.TaggedClass<BusyElsewhere>()("BusyElsewhere", { channelId: ChannelId }) {
  get message() {
    return `I'm already playing in ${channel(this.channelId)}; join it to add music.`
  }
}

/** The bot is in no voice channel, so there is nothing to control. */
export class NotPlaying extends Schema.TaggedClass<NotPlaying>()("NotPlaying", {}) {
  get message() {
    return "I'm not playing anything right now."
  }
}

export class NotInBotChannel extends Schema.TaggedClass<NotInBotChannel>()("NotInBotChannel", {
  channelId: ChannelId
}) {
  get message() {
    return `Join ${channel(this.channelId)} to control the music.`
  }
}

export class NotDj extends Schema.TaggedClass<NotDj>()("NotDj", {}) {
  get message() {
    return "Only DJs can do that here."
  }
}

export class NotManager extends Schema.TaggedClass<NotManager>()("NotManager", {}) {
  get message() {
    return "Only people who manage this server (or DJs) can change my settings."
  }
}

/** Jumping ahead skips other people's tracks without a vote. */
export class JumpNeedsDj extends Schema.TaggedClass<JumpNeedsDj>()("JumpNeedsDj", {}) {
  get message() {
    return "Only DJs (or whoever queued the current track) can jump ahead."
  }
}

export class NothingFound extends Schema.TaggedClass<NothingFound>()("NothingFound", {
  query: Schema.NullOr(Schema.String)
}) {
  get message() {
    return this.query === null ? "I found nothing to play there." : `Nothing found for "${this.query}".`
  }
}

/** The database is away: what the caller asked to keep cannot be kept right now. */
export class StoreUnavailable extends Schema.TaggedClass<StoreUnavailable>()("StoreUnavailable", {
  what: Schema.String
}) {
  get message() {
    return `I can't save ${this.what} right now; try again in a moment.`
  }
}

export const RefusalReason = Schema.Union([
  NotInVoice,
  BusyElsewhere,
  NotPlaying,
  NotInBotChannel,
  NotDj,
  NotManager,
  JumpNeedsDj,
  NothingFound,
  StoreUnavailable
])
export type RefusalReason = typeof RefusalReason.Type

/**
 * The application core would not do what was asked: a rule or the caller's situation stands in
 * the way. The message is written for the caller; each reason carries what another edge needs to
 * say it its own way (a channel id rather than only a Discord mention).
 */
export class Refusal extends Schema.TaggedError<Refusal>()("Refusal", { reason: RefusalReason }) {
  override get message(): string {
    return this.reason.message
  }
}

export const refusal = (reason: RefusalReason): Refusal => new Refusal({ reason })
