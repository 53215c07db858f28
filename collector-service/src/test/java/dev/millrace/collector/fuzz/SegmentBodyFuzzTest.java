package dev.millrace.collector.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Any body on any of Segment's endpoints, with the key in Basic auth or only in the body, gets a 2xx
 * or a 4xx, never a 5xx or an escaping exception. Seeds: SegmentBodyFuzzTestInputs/ (body, then the
 * trailing bytes FuzzedDataProvider reads the endpoint and the key's place from).
 */
class SegmentBodyFuzzTest {

  private static final TestCollector COLLECTOR = new TestCollector();
  private static final MockMvc MVC = COLLECTOR.mockMvc();
  private static final Duration PER_INPUT = Duration.ofSeconds(10);
  private static final String[] PATHS = {"/v1/batch", "/v1/track", "/v1/page", "/v1/screen", "/v1/identify",
      "/v1/group", "/v1/alias"};
  private static final String BASIC = "Basic " + Base64.getEncoder()
      .encodeToString((Fixtures.WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));

  @FuzzTest(maxDuration = "2m")
  void anySegmentBodyIsAnsweredWithoutA5xx(FuzzedDataProvider data) {
    assertTimeoutPreemptively(PER_INPUT, () -> answer(data));
  }

  private static void answer(FuzzedDataProvider data) throws Exception {
    String path = PATHS[data.consumeInt(0, PATHS.length - 1)];
    boolean basic = data.consumeBoolean();
    byte[] body = data.consumeRemainingAsBytes();
    MockHttpServletRequestBuilder request = post(path).contentType("application/json").content(body);
    if (basic) {
      request.header("Authorization", BASIC);
    }
    MvcResult result = MVC.perform(request).andReturn();
    if (result.getRequest().isAsyncStarted()) {
      result = MVC.perform(asyncDispatch(result)).andReturn();
    }
    MockHttpServletResponse response = result.getResponse();

    assertThat(response.getStatus()).isIn(200, 400, 401, 413, 415);
    COLLECTOR.sink.records.clear();
  }
}
