package dev.millrace.collector.compat.snowplow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.millrace.collector.compat.TrackerIds;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Transport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/** Snowplow's endpoints with Kafka faked: authentication by app id, the pixel, the batch. */
class SnowplowIngestTest {

  private static final String EID = "c6ef3124-b53a-4b13-a233-0088f79dcbcb";

  private final TestCollector collector = new TestCollector(); // app id "shopweb" -> Fixtures.WRITE_KEY_ID
  private final MockMvc mvc = collector.mockMvc();

  private MockHttpServletResponse send(MockHttpServletRequestBuilder request) throws Exception {
    MvcResult result = mvc.perform(request).andReturn();
    if (result.getRequest().isAsyncStarted()) {
      result = mvc.perform(asyncDispatch(result)).andReturn();
    }
    return result.getResponse();
  }

  private static String item(String eid, String aid) {
    return "{\"e\":\"pv\",\"eid\":\"" + eid + "\",\"aid\":\"" + aid + "\",\"url\":\"https://shop.example/cart?x=1\","
        + "\"page\":\"Cart\",\"duid\":\"d-1\",\"dtm\":\"1772366340000\",\"stm\":\"1772366341000\",\"tv\":\"py-1.0.0\"}";
  }

  private static MockHttpServletRequestBuilder tp2(String... items) {
    String body = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":["
        + String.join(",", items) + "]}";
    return post("/com.snowplowanalytics.snowplow/tp2").contentType("application/json; charset=utf-8")
        .header("User-Agent", "Mozilla/5.0 (X11)").content(body.getBytes(StandardCharsets.UTF_8));
  }

  private List<RawEvent> raw() {
    return collector.sink.on("raw").stream().map(r -> {
      try {
        return RawEvent.parseFrom(r.value());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
  }

  @Test
  void aBatchFromAConfiguredAppIdIsAcceptedUnderItsWriteKey() throws Exception {
    MockHttpServletResponse response = send(tp2(item(EID, "shopweb"), item("not-a-uuid", "shopweb")));

    assertThat(response.getStatus()).isEqualTo(200);
    List<RawEvent> raw = raw();
    assertThat(raw).extracting(r -> r.getEvent().getEventId())
        .containsExactly(EID, TrackerIds.eventId("snowplow", "not-a-uuid"));
    assertThat(raw).allSatisfy(r -> {
      assertThat(r.getMetadata().getTransport()).isEqualTo(Transport.TRANSPORT_SNOWPLOW);
      assertThat(r.getMetadata().getWriteKeyId()).isEqualTo(Fixtures.WRITE_KEY_ID);
      Event e = r.getEvent();
      assertThat(e.getEventType()).isEqualTo("page_view");
      assertThat(e.getSource()).isEqualTo("shopweb");
      assertThat(e.getPayloadJson()).isEqualTo("{\"path\":\"/cart\",\"title\":\"Cart\"}");
      // the tracker sent no ua: the browser's header is the event's user agent
      assertThat(e.getContext().getUserAgent()).isEqualTo("Mozilla/5.0 (X11)");
      assertThat(e.getContext().getAnonymousId()).isEqualTo("d-1");
    });
  }

  @Test
  void anAppIdThatIsNotConfiguredOrTwoKeysInOneRequestIs401AndNothingIsWritten() throws Exception {
    assertThat(send(tp2(item(EID, "stranger"))).getStatus()).isEqualTo(401);
    assertThat(send(tp2(item(EID, "shopweb"), item(EID, "stranger"))).getStatus()).isEqualTo(401);
    assertThat(send(tp2("{\"e\":\"pv\",\"eid\":\"" + EID + "\"}")).getStatus()).isEqualTo(401);
    assertThat(collector.sink.records).isEmpty();

    // a server-side tracker may send a write key instead
    assertThat(send(tp2(item(EID, "any-app")).header(WireNames.WRITE_KEY_HTTP_HEADER, Fixtures.WRITE_KEY))
        .getStatus()).isEqualTo(200);
    assertThat(raw()).hasSize(1);
  }

  @Test
  void aBrokenEventIsDeadLetteredWithItsReasonAndTheBatchGoesOn() throws Exception {
    MockHttpServletResponse response = send(tp2(item(EID, "shopweb"),
        "{\"e\":\"tr\",\"eid\":\"e-2\",\"aid\":\"shopweb\",\"tr_id\":\"o-1\"}"));
    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(raw()).hasSize(1);
    DeadLetter letter = DeadLetter.parseFrom(collector.sink.on("dead").get(0).value());
    assertThat(letter.getReason()).isEqualTo(ReasonCode.INVALID_EVENT_TYPE);
    assertThat(letter.getEventId()).isEqualTo(TrackerIds.eventId("snowplow", "e-2"));
    assertThat(letter.getOriginal().toStringUtf8()).contains("\"tr_id\":\"o-1\"");
  }

  @Test
  void thePixelIsAnsweredWithAGifAndItsEventIsWritten() throws Exception {
    MockHttpServletResponse response = send(get(URI.create("/i?e=se&eid=" + EID + "&aid=shopweb&se_ca=video&se_ac=play"
        + "&se_va=12.5&uid=u%2B1&dtm=1772366340000")).header("User-Agent", "Mozilla/5.0 (iPhone)"));

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getContentType()).isEqualTo("image/gif");
    assertThat(response.getContentAsByteArray()).isEqualTo(SnowplowIngest.PIXEL);
    Event e = raw().get(0).getEvent();
    assertThat(e.getEventType()).isEqualTo("structured_event");
    assertThat(e.getPayloadJson()).isEqualTo("{\"category\":\"video\",\"action\":\"play\",\"value\":12.5}");
    assertThat(e.getContext().getUserId()).isEqualTo("u+1");
    assertThat(e.getContext().getUserAgent()).isEqualTo("Mozilla/5.0 (iPhone)");

    assertThat(send(get("/i?e=pv&eid=" + EID + "&aid=stranger")).getStatus()).isEqualTo(401);
    assertThat(send(get("/i").with(r -> {
      r.setQueryString("e=pv&eid=%zz&aid=shopweb");
      return r;
    })).getStatus()).isEqualTo(400);
    assertThat(raw()).hasSize(1);
  }
}
