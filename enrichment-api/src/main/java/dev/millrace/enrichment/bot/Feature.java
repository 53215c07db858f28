package dev.millrace.enrichment.bot;

import java.util.Locale;

/**
 * The inputs of the bot model, each 0 or 1. Their names, in lower case, are the keys of the model
 * file's {@code weights}.
 */
public enum Feature {
  /** The item has no User-Agent at all. */
  UA_MISSING,
  /** YAUAA's agent class is a robot, a spy or a cloud application. */
  AGENT_CLASS_ROBOT,
  /** YAUAA's agent class is Hacker (the string looks like an attack). */
  AGENT_CLASS_HACKER,
  /** YAUAA's agent class is Special or Testclient (monitoring, test tools). */
  AGENT_CLASS_SPECIAL,
  /** YAUAA could not say what the agent is. */
  AGENT_CLASS_UNKNOWN,
  /** YAUAA's device class is a robot. */
  DEVICE_CLASS_ROBOT,
  /** The string names a tool or crawler ("bot", "crawl", "curl", "python", "okhttp", ...). */
  UA_BOT_KEYWORD,
  /** The string names a headless browser. */
  UA_HEADLESS,
  /** The string is shorter than 30 characters (real browsers send 70 and more). */
  UA_SHORT,
  /** The event has no referrer. */
  NO_REFERRER,
  /** The event has no locale. */
  NO_LOCALE,
  /** The event has no page URL. */
  NO_PAGE_URL;

  /** The name in the model file. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
