package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.RawEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * {@code millrace replay} re-submits a collector dead letter with {@code X-Millrace-Replay-Id}; every
 * HTTP API stamps that id on the events' metadata (and the raw record's headers), so a replayed event
 * is marked as such downstream. Kafka is faked.
 */
class ReplayIdTest {

  private static final String REPLAY = "3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b";
  private static final String EID = "0b7c7f9e-3c1b-4d39-9a55-0c2b1d0e4f21";

  private final TestCollector collector = new TestCollector(); // Snowplow app id "shopweb" -> the write key
  private final MockMvc mvc = collector.mockMvc();

  private MockHttpServletResponse send(MockHttpServletRequestBuilder request) throws Exception {
    MvcResult result = mvc.perform(request).andReturn();
    if (result.getRequest().isAsyncStarted()) {
      result = mvc.perform(asyncDispatch(result)).andReturn();
    }
    return result.getResponse();
  }

  private static MockHttpServletRequestBuilder rest(String body) {
    return post("/v1/events").contentType("application/json")
        .header(WireNames.WRITE_KEY_HTTP_HEADER, Fixtures.WRITE_KEY).content(body.getBytes(StandardCharsets.UTF_8));
  }

  private RawEvent onlyRaw() throws Exception {
    assertThat(collector.sink.on("raw")).hasSize(1);
    return RawEvent.parseFrom(collector.sink.on("raw").get(0).value());
  }

  private static String header(ProducerRecord<String, byte[]> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aRestEventSentWithAReplayIdCarriesItInItsMetadataAndHeaders() throws Exception {
    MockHttpServletResponse response = send(rest(Fixtures.event(EID))
        .header(WireNames.REPLAY_ID_HTTP_HEADER, REPLAY.toUpperCase()));

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(onlyRaw().getMetadata().getReplayId()).isEqualTo(REPLAY);
    assertThat(header(collector.sink.on("raw").get(0), WireNames.HEADER_REPLAY_ID)).isEqualTo(REPLAY);
  }

  @Test
  void anEventSentOnceHasNoReplayId() throws Exception {
    assertThat(send(rest(Fixtures.event(EID))).getStatus()).isEqualTo(200);
    assertThat(onlyRaw().getMetadata().getReplayId()).isEmpty();
    assertThat(header(collector.sink.on("raw").get(0), WireNames.HEADER_REPLAY_ID)).isNull();
  }

  @Test
  void aReplayIdThatIsNotAUuidIsRefusedWholeAndNothingIsWritten() throws Exception {
    MockHttpServletResponse response = send(rest(Fixtures.event(EID))
        .header(WireNames.REPLAY_ID_HTTP_HEADER, "replay-1"));

    assertThat(response.getStatus()).isEqualTo(400);
    assertThat(response.getContentAsString(StandardCharsets.UTF_8)).contains(WireNames.REPLAY_ID_HTTP_HEADER);
    assertThat(collector.sink.on("raw")).isEmpty();
    assertThat(collector.sink.on("dead")).isEmpty();
  }

  @Test
  void aReplayedEventRefusedAgainIsADeadLetterWithTheReplayId() throws Exception {
    send(rest(Fixtures.event("not-a-uuid")).header(WireNames.REPLAY_ID_HTTP_HEADER, REPLAY));

    DeadLetter letter = DeadLetter.parseFrom(collector.sink.on("dead").get(0).value());
    assertThat(letter.getMetadata().getReplayId()).isEqualTo(REPLAY);
  }

  @Test
  void segmentAndSnowplowEventsCarryTheReplayIdToo() throws Exception {
    String basic = "Basic " + Base64.getEncoder().encodeToString((Fixtures.WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
    String track = "{\"batch\":[{\"type\":\"track\",\"messageId\":\"" + EID + "\",\"event\":\"Order Completed\","
        + "\"userId\":\"u-1\",\"properties\":{},\"timestamp\":\"2026-03-01T11:59:00.000Z\"}]}";
    assertThat(send(post("/v1/batch").contentType("application/json").header("Authorization", basic)
        .header(WireNames.REPLAY_ID_HTTP_HEADER, REPLAY).content(track)).getStatus()).isEqualTo(200);

    String tp2 = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":["
        + "{\"e\":\"pv\",\"eid\":\"" + EID + "\",\"aid\":\"shopweb\",\"url\":\"https://shop.example/\"}]}";
    assertThat(send(post("/com.snowplowanalytics.snowplow/tp2").contentType("application/json")
        .header(WireNames.REPLAY_ID_HTTP_HEADER, REPLAY).content(tp2)).getStatus()).isEqualTo(200);

    assertThat(send(get("/i?e=pv&eid=" + EID + "&aid=shopweb")
        .header(WireNames.REPLAY_ID_HTTP_HEADER, REPLAY)).getStatus()).isEqualTo(200);
    assertThat(send(get("/i?e=pv&eid=" + EID + "&aid=shopweb")
        .header(WireNames.REPLAY_ID_HTTP_HEADER, "nope")).getStatus()).isEqualTo(400);

    assertThat(collector.sink.on("raw")).hasSize(3).allSatisfy(r ->
        assertThat(RawEvent.parseFrom(r.value()).getMetadata().getReplayId()).isEqualTo(REPLAY));
  }
}
