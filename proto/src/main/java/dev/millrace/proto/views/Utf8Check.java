package dev.millrace.proto.views;

import com.google.protobuf.ByteString;

/**
 * The UTF-8 check a millrace.v1 parser makes on every string field, for the byte views, which
 * make none: a view that passes holds exactly the strings its millrace.v1 message would parse.
 */
public final class Utf8Check {

  private Utf8Check() {}

  /** Every string of the event, its context and the collector's metadata. */
  public static boolean isValid(RawEventBytes raw) {
    return isValid(raw.getEvent()) && isValid(raw.getMetadata());
  }

  public static boolean isValid(EventBytes e) {
    return ok(e.getEventId()) && ok(e.getEventType()) && ok(e.getSchemaVersion()) && ok(e.getSource())
        && isValid(e.getContext()) && ok(e.getPayloadJson());
  }

  public static boolean isValid(ContextBytes c) {
    return ok(c.getUserAgent()) && ok(c.getIp()) && ok(c.getPageUrl()) && ok(c.getReferrer())
        && ok(c.getUserId()) && ok(c.getAnonymousId()) && ok(c.getLocale());
  }

  public static boolean isValid(CollectorMetadataBytes m) {
    return ok(m.getCollectorInstance()) && ok(m.getRequestId()) && ok(m.getClientIp()) && ok(m.getWriteKeyId())
        && ok(m.getReplayId());
  }

  /** Every string of an item to enrich: its id, type, context, client IP and payload. */
  public static boolean isValid(EnrichItemBytes i) {
    return ok(i.getItemId()) && ok(i.getEventType()) && isValid(i.getContext()) && ok(i.getClientIp())
        && ok(i.getPayloadJson());
  }

  /** Every string of an enrichment result: its id, outcome and pseudonymised values. */
  public static boolean isValid(EnrichResultBytes r) {
    return ok(r.getItemId()) && isValid(r.getEnrichment()) && isValid(r.getError())
        && isValid(r.getPseudonymizedContext()) && ok(r.getPseudonymizedPayloadJson())
        && ok(r.getAnonymizedClientIp());
  }

  public static boolean isValid(EnrichmentBytes e) {
    UserAgentInfoBytes ua = e.getUserAgent();
    CampaignBytes c = e.getCampaign();
    ReferrerInfoBytes r = e.getReferrer();
    for (ByteString applied : e.getAppliedList()) {
      if (!ok(applied)) {
        return false;
      }
    }
    return ok(ua.getDeviceClass()) && ok(ua.getOsName()) && ok(ua.getOsVersion()) && ok(ua.getAgentName())
        && ok(ua.getAgentVersion()) && ok(ua.getAgentClass())
        && ok(c.getSource()) && ok(c.getMedium()) && ok(c.getName()) && ok(c.getTerm()) && ok(c.getContent())
        && ok(c.getClickId())
        && ok(r.getName()) && ok(r.getHost()) && ok(r.getSearchTerm())
        && ok(e.getAnonymizedIp()) && ok(e.getBot().getModelVersion()) && ok(e.getEnrichmentVersion());
  }

  public static boolean isValid(EnrichErrorBytes e) {
    return ok(e.getMessage()) && ok(e.getEnrichment());
  }

  private static boolean ok(ByteString s) {
    return s.isEmpty() || s.isValidUtf8();
  }
}
