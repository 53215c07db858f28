package dev.millrace.collector.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.millrace.collector.testing.TestCollector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Any tp2 body, or any pixel query, gets a 2xx or a 4xx, never a 5xx or an escaping exception.
 * Seeds: SnowplowFuzzTestInputs/ (the body or query, then the trailing byte that picks which).
 */
class SnowplowFuzzTest {

  private static final TestCollector COLLECTOR = new TestCollector();
  private static final MockMvc MVC = COLLECTOR.mockMvc();
  private static final Duration PER_INPUT = Duration.ofSeconds(10);

  @FuzzTest(maxDuration = "2m")
  void anyTrackerRequestIsAnsweredWithoutA5xx(FuzzedDataProvider data) {
    assertTimeoutPreemptively(PER_INPUT, () -> answer(data));
  }

  private static void answer(FuzzedDataProvider data) throws Exception {
    boolean pixel = data.consumeBoolean();
    byte[] input = data.consumeRemainingAsBytes();
    MockHttpServletRequestBuilder request = pixel
        ? get("/i").with(r -> {
          r.setQueryString(new String(input, StandardCharsets.ISO_8859_1));
          return r;
        })
        : post("/com.snowplowanalytics.snowplow/tp2").contentType("application/json").content(input);
    MvcResult result = MVC.perform(request).andReturn();
    if (result.getRequest().isAsyncStarted()) {
      result = MVC.perform(asyncDispatch(result)).andReturn();
    }
    MockHttpServletResponse response = result.getResponse();

    assertThat(response.getStatus()).isIn(200, 400, 401, 413, 415);
    COLLECTOR.sink.records.clear();
  }
}
