package dev.millrace.collector.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.WireNames;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Any body, plain or gzip, gets a 2xx or a 4xx, never a 5xx or an escaping exception. In a normal
 * build this replays the committed seeds (RestBodyFuzzTestInputs/); {@code JAZZER_FUZZ=1} fuzzes.
 * The timeout bounds one input (Jazzer applies it per input when fuzzing).
 */
class RestBodyFuzzTest {

  private static final TestCollector COLLECTOR = new TestCollector();
  private static final MockMvc MVC = COLLECTOR.mockMvc();
  private static final Duration PER_INPUT = Duration.ofSeconds(10);

  @FuzzTest(maxDuration = "2m")
  void anyBodyIsAnsweredWithoutA5xx(FuzzedDataProvider data) {
    // Per-input bound done here, not with @Timeout: jazzer-junit 0.30.0 under Maven lets JUnit apply
    // @Timeout to the whole fuzzing run (CodeIntelligenceTesting/jazzer#1060).
    assertTimeoutPreemptively(PER_INPUT, () -> answer(data));
  }

  private static void answer(FuzzedDataProvider data) throws Exception {
    int encoding = data.consumeInt(0, 2);
    byte[] body = data.consumeRemainingAsBytes();
    MockHttpServletRequestBuilder request = post("/v1/events").contentType("application/json")
        .header(WireNames.WRITE_KEY_HTTP_HEADER, Fixtures.WRITE_KEY);
    if (encoding == 1) {
      request.header("Content-Encoding", "gzip").content(gzip(body));
    } else if (encoding == 2) {
      request.header("Content-Encoding", "gzip").content(body); // claimed gzip, maybe not
    } else {
      request.content(body);
    }

    MvcResult result = MVC.perform(request).andReturn();
    if (result.getRequest().isAsyncStarted()) {
      result = MVC.perform(asyncDispatch(result)).andReturn();
    }
    MockHttpServletResponse response = result.getResponse();

    assertThat(response.getStatus()).isIn(200, 400, 413, 415);
    COLLECTOR.sink.records.clear();
  }

  private static byte[] gzip(byte[] bytes) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }
}
