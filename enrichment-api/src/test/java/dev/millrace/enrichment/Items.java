package dev.millrace.enrichment;

import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichItem;

/** Realistic items for tests. */
public final class Items {

  public static final String CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
      + " (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

  /** A page view from a Google search, with a campaign, a logged-in user and an e-mail in the payload. */
  public static EnrichItem pageView(String id) {
    return EnrichItem.newBuilder()
        .setItemId(id)
        .setEventType("page_view")
        .setClientIp("198.51.100.23")
        .setContext(Context.newBuilder()
            .setUserAgent(CHROME_WINDOWS)
            .setIp("203.0.113.77")
            .setPageUrl("https://shop.example/sale?utm_source=google&utm_medium=cpc&gclid=EAIaIQ")
            .setReferrer("https://www.google.com/search?q=trail+shoes")
            .setUserId("user-42")
            .setAnonymousId("anon-7")
            .setLocale("en-GB"))
        .setPayloadJson("{\"email\":\"alice@example.com\",\"price\":12.50}")
        .build();
  }

  private Items() {}
}
