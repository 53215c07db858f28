package dev.millrace.enricher;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import java.util.UUID;

/** Raw events as the collector writes them. */
public final class Events {

  private Events() {}

  public static RawEvent raw(String type, String version, String payloadJson) {
    return raw(UUID.randomUUID().toString(), type, version, payloadJson, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
  }

  public static RawEvent raw(String id, String type, String version, String payloadJson, String userAgent) {
    return RawEvent.newBuilder()
        .setEvent(Event.newBuilder()
            .setEventId(id)
            .setEventType(type)
            .setSchemaVersion(version)
            .setOccurredAt(Timestamp.newBuilder().setSeconds(1_790_000_000L))
            .setSource("shop-web")
            .setContext(Context.newBuilder()
                .setUserAgent(userAgent)
                .setIp("203.0.113.77")
                .setPageUrl("https://shop.example/p/42?utm_source=news")
                .setReferrer("https://www.google.com/")
                .setUserId("user-1234")
                .setLocale("en-GB"))
            .setPayloadJson(payloadJson))
        .setMetadata(CollectorMetadata.newBuilder()
            .setReceivedAt(Timestamp.newBuilder().setSeconds(1_790_000_001L))
            .setCollectorInstance("collector-0")
            .setRequestId("req-1")
            .setClientIp("198.51.100.23")
            .setWriteKeyId("wk-1")
            .setTransport(Transport.TRANSPORT_REST))
        .build();
  }

  public static final String PAGE_VIEW = "{\"path\":\"/p/42\",\"title\":\"Blue kettle\",\"page_type\":\"product\"}";
  public static final String LINK_CLICK = "{\"target_url\":\"https://partner.example/x\",\"outbound\":true}";
  public static final String ADD_TO_CART =
      "{\"product_id\":\"p-42\",\"quantity\":2,\"unit_price\":19.99,\"currency\":\"EUR\"}";
  public static final String PURCHASE = "{\"order_id\":\"o-1\",\"currency\":\"EUR\",\"total\":39.98,"
      + "\"items\":[{\"product_id\":\"p-42\",\"quantity\":2,\"unit_price\":19.99}],\"payment_method\":\"card\"}";
  public static final String SIGNUP = "{\"method\":\"email\",\"email\":\"ada@example.com\",\"plan\":\"free\"}";
}
