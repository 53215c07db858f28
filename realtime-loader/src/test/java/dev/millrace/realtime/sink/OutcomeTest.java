package dev.millrace.realtime.sink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeTest {

  @ParameterizedTest
  @CsvSource({
      "200, INDEXED", "201, INDEXED",
      "400, REJECTED",
      "429, RETRY", "500, RETRY", "502, RETRY", "503, RETRY", "504, RETRY",
      "401, RETRY", "403, RETRY", "404, RETRY", "408, RETRY", "409, RETRY"})
  void onlyBadDataIsRefusedForGoodOverloadAndSetUpFaultsAreRetried(int status, Outcome expected) {
    assertThat(Outcome.of(status)).isEqualTo(expected);
  }
}
