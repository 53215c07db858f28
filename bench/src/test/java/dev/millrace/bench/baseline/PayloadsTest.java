package dev.millrace.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadsTest {

  @Test
  void recordsAreOneKilobyte() {
    assertThat(new Payloads(1).record()).hasSize(1024);
  }

  @Test
  void documentsAreOneKilobyteOfValidLookingJsonWhateverTheirNumber() {
    Payloads payloads = new Payloads(1);
    for (long n : new long[] {0, 7, 123_456_789L}) {
      String doc = payloads.document(n);
      assertThat(doc.getBytes(StandardCharsets.UTF_8)).hasSize(1024);
      assertThat(doc).startsWith("{\"event_id\":\"").endsWith("\"}").doesNotContain("\n");
    }
  }

  @Test
  void documentsDifferSoNothingCanBeDeduplicatedOrCached() {
    Payloads payloads = new Payloads(1);
    assertThat(payloads.document(1)).isNotEqualTo(payloads.document(1));
  }
}
