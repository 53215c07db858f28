package dev.millrace.enrichment.useragent;

import dev.millrace.proto.v1.UserAgentInfo;

/**
 * What a User-Agent string parsed to: the wire message, plus the string's own bot signals, kept
 * together in the cache so that neither is computed twice for the same string.
 *
 * @param info YAUAA's fields as they go on the wire
 * @param botKeyword the string names an automation tool or crawler ("bot", "curl", "python", ...)
 * @param headless the string names a headless browser
 * @param length the string's length in characters
 */
public record ParsedUserAgent(UserAgentInfo info, boolean botKeyword, boolean headless, int length) {}
